import TensorCore

/// Counts of (target, prediction) pairs, the state behind ``ConfusionMatrix``, ``CohenKappa``
/// and ``MatthewsCorrelation``: a `classes × classes` matrix (2 × 2 for binary tasks), rows
/// indexed by target, columns by prediction, as scikit-learn and torchmetrics lay it out.
/// Multilabel tasks count every (example, label) pair in one 2 × 2 matrix, as torchmetrics'
/// multilabel kappa and MCC do (scikit-learn's on the flattened labels).
public class ConfusionMatrixMetric: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// How predictions and targets are read: binary, multiclass or multilabel.
    public let task: ClassificationTask
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    let classes: Int
    /// The metric's value from the summed `classes × classes` matrix.
    let summary: (_ matrix: ConfusionCounts) -> Tensor

    init(name: String, task: ClassificationTask, summary: @escaping (_ matrix: ConfusionCounts) -> Tensor) {
        self.summary = summary
        switch task {
        case .binary: classes = 2
        case .multiclass(let count):
            precondition(count >= 2, "\(name): a multiclass task needs at least 2 classes, got \(count)")
            classes = count
        case .multilabel: classes = 2
        }
        self.name = name
        self.task = task
        state.declare("matrix", initial: [Double](repeating: 0, count: classes * classes), reduction: .sum)
        state.declare("updates", initial: [0], reduction: .sum)
    }

    /// Adds one batch of predictions and targets.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        let batch = try task.decode(predictions: predictions, targets: targets, metric: name)
        var matrix = state["matrix"]
        if case .multilabel = task {
            for (predicted, target) in zip(batch.labelPredictions, batch.labelTargets) { matrix[(target ? 2 : 0) + (predicted ? 1 : 0)] += 1 }
        }
        for (predicted, target) in zip(batch.predictions, batch.targets) { matrix[target * classes + predicted] += 1 }
        state["matrix"] = matrix
        state["updates"][0] += Double(batch.count)
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["updates"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return summary(ConfusionCounts(counts: state["matrix"], classes: classes))
    }
}

/// A summed confusion matrix, row-major (rows: targets; columns: predictions), with its marginals.
struct ConfusionCounts {
    let counts: [Double]
    let classes: Int
    /// Row sums: how many examples of each class there are.
    let truth: [Double]
    /// Column sums: how often each class was predicted.
    let predicted: [Double]

    init(counts: [Double], classes: Int) {
        self.counts = counts
        self.classes = classes
        truth = (0..<classes).map { r in (0..<classes).reduce(0) { $0 + counts[r * classes + $1] } }
        predicted = (0..<classes).map { c in (0..<classes).reduce(0) { $0 + counts[$1 * classes + c] } }
    }

    subscript(target: Int, prediction: Int) -> Double { counts[target * classes + prediction] }
}

/// The confusion matrix itself, `[classes, classes]` (rows: targets; columns: predictions),
/// optionally normalized over targets (rows), predictions (columns) or everything.
///
/// ```swift
/// let confusion = ConfusionMatrix(task: .multiclass(classes: 10))
/// try confusion.update(predictions: logits, targets: labels)
/// try confusion.compute().shape   // [10, 10]
/// ```
public final class ConfusionMatrix: ConfusionMatrixMetric {
    /// What each count is divided by.
    public enum Normalization: Sendable { case none, targets, predictions, all }
    /// How counts are normalized (see ``Normalization``).
    public let normalization: Normalization

    /// A confusion matrix for `task`, normalized by `normalization`.
    public init(task: ClassificationTask, normalization: Normalization = .none, name: String = "confusion_matrix") {
        if case .multilabel = task { preconditionFailure("\(name): binary and multiclass tasks only (a multilabel matrix per label is not built yet)") }
        self.normalization = normalization
        super.init(name: name, task: task) { matrix in
            let classes = matrix.classes, total = matrix.truth.reduce(0, +)
            let values = matrix.counts.indices.map { i -> Float in
                let divisor: Double
                switch normalization {
                case .none: divisor = 1
                case .targets: divisor = matrix.truth[i / classes]
                case .predictions: divisor = matrix.predicted[i % classes]
                case .all: divisor = total
                }
                return divisor == 0 ? 0 : Float(matrix.counts[i] / divisor)
            }
            return Tensor(values, shape: [classes, classes])
        }
    }
}

/// Cohen's kappa: agreement between predictions and targets beyond chance,
/// `1 - Σ w·observed / Σ w·expected`, with `expected` from the marginals and weights `w` 0 on the
/// diagonal and 1 elsewhere (or linear / quadratic in the class distance, for ordinal classes).
/// Equals scikit-learn's `cohen_kappa_score`. 0 when the expected disagreement is 0.
public final class CohenKappa: ConfusionMatrixMetric {
    /// How disagreements weigh: all alike, by distance, or by squared distance between classes.
    public enum Weighting: Sendable { case none, linear, quadratic }
    /// How disagreements weigh (scikit-learn's `weights`).
    public let weighting: Weighting

    /// Cohen's kappa for `task` with `weighting`.
    public init(task: ClassificationTask, weighting: Weighting = .none, name: String = "cohen_kappa") {
        self.weighting = weighting
        super.init(name: name, task: task) { matrix in
            let total = matrix.truth.reduce(0, +)
            var observed = 0.0, expected = 0.0
            for r in 0..<matrix.classes {
                for c in 0..<matrix.classes {
                    let distance = Double(abs(r - c))
                    let w: Double = switch weighting {
                    case .none: r == c ? 0 : 1
                    case .linear: distance
                    case .quadratic: distance * distance
                    }
                    observed += w * matrix[r, c]
                    expected += w * matrix.truth[r] * matrix.predicted[c] / total
                }
            }
            return Tensor(Float(expected == 0 ? 0 : 1 - observed / expected))
        }
    }
}

/// The Matthews correlation coefficient, multiclass form (scikit-learn's
/// `matthews_corrcoef`): the correlation between predicted and true classes, from -1 to 1.
/// 0 when a denominator is 0 (all predictions, or all targets, in one class).
public final class MatthewsCorrelation: ConfusionMatrixMetric {
    /// The Matthews correlation coefficient for `task`.
    public init(task: ClassificationTask, name: String = "matthews_corrcoef") {
        super.init(name: name, task: task) { matrix in
            let truth = matrix.truth, predicted = matrix.predicted
            let samples = truth.reduce(0, +)
            let correct = (0..<matrix.classes).reduce(0) { $0 + matrix[$1, $1] }
            let covariance = correct * samples - zip(truth, predicted).reduce(0) { $0 + $1.0 * $1.1 }
            let truthSpread = samples * samples - truth.reduce(0) { $0 + $1 * $1 }
            let predictedSpread = samples * samples - predicted.reduce(0) { $0 + $1 * $1 }
            let denominator = (truthSpread * predictedSpread).squareRoot()
            return Tensor(Float(denominator == 0 ? 0 : covariance / denominator))
        }
    }
}
