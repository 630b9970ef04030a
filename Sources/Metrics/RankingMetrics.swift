import TensorCore

/// Metrics that need every score, not counts: the state keeps all scores and targets seen
/// (O(examples) memory, unlike the count-based metrics), concatenated across processes.
public class ScoreRankingMetric: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// How predictions and targets are read: binary, multiclass or multilabel.
    public let task: ClassificationTask
    /// How per-class values combine (multiclass, one-vs-rest, and multilabel). Default `macro`;
    /// `micro` pools every (example, class) pair into one binary problem, scores as given (pass
    /// probabilities for multiclass, as scikit-learn expects).
    public let averaging: Averaging
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    /// The value for one class against the rest, or nil when undefined.
    let binaryValue: (_ scores: [Double], _ positives: [Bool]) -> Double?

    init(name: String, task: ClassificationTask, averaging: Averaging,
         binaryValue: @escaping (_ scores: [Double], _ positives: [Bool]) -> Double?) {
        self.binaryValue = binaryValue
        self.name = name
        self.task = task
        self.averaging = averaging
        state.declare("scores", initial: [], reduction: .concatenate)
        state.declare("targets", initial: [], reduction: .concatenate)
    }

    /// Adds one batch of predictions and targets.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        let batch = try task.decode(predictions: predictions, targets: targets, metric: name, needsScores: true)
        switch task {
        case .binary:
            state["scores"] += batch.probabilities.map(Double.init)
            state["targets"] += batch.targets.map(Double.init)
        case .multiclass:
            state["scores"] += batch.scores.map(Double.init)
            state["targets"] += batch.targets.map(Double.init)
        case .multilabel:
            state["scores"] += batch.probabilities.map(Double.init)
            state["targets"] += batch.labelTargets.map { $0 ? 1 : 0 }
        }
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        let scores = state["scores"], targets = state["targets"]
        guard !targets.isEmpty else { throw MetricError.noUpdates(metric: name) }
        switch task {
        case .binary:
            guard let value = binaryValue(scores, targets.map { $0 == 1 }) else {
                throw MetricError.undefined(metric: name, reason: "the targets hold a single class")
            }
            return Tensor(Float(value))
        case .multiclass(let classes), .multilabel(let classes, _):
            let isMultilabel: Bool
            if case .multilabel = task { isMultilabel = true } else { isMultilabel = false }
            let count = scores.count / classes
            if averaging == .micro {
                let positives = isMultilabel ? targets.map { $0 == 1 } : scores.indices.map { Int(targets[$0 / classes]) == $0 % classes }
                guard let value = binaryValue(scores, positives) else {
                    throw MetricError.undefined(metric: name, reason: "the pooled targets hold a single class")
                }
                return Tensor(Float(value))
            }
            var perClass: [Double?] = [], support: [Double] = []
            for c in 0..<classes {
                let column = (0..<count).map { scores[$0 * classes + c] }
                let positives = isMultilabel ? (0..<count).map { targets[$0 * classes + c] == 1 } : targets.map { Int($0) == c }
                perClass.append(binaryValue(column, positives))
                support.append(Double(positives.filter { $0 }.count))
            }
            if averaging == .none { return Tensor(perClass.map { Float($0 ?? .nan) }) }
            // Classes whose value is undefined (no positives or no negatives) are left out.
            let defined = perClass.indices.filter { perClass[$0] != nil }
            guard !defined.isEmpty else { throw MetricError.undefined(metric: name, reason: "no class has both positives and negatives") }
            let weights = defined.map { averaging == .weighted ? support[$0] : 1 }
            let total = zip(defined, weights).reduce(0) { $0 + perClass[$1.0]! * $1.1 }
            return Tensor(Float(total / weights.reduce(0, +)))
        }
    }
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting half (equal to scikit-learn's `roc_auc_score`, trapezoids over
/// distinct thresholds). Binary, multiclass one-vs-rest and multilabel; default averaging `macro`.
///
/// Undefined when the targets hold a single class: binary tasks then throw
/// ``MetricError/undefined(metric:reason:)``; per class, such classes are left out of the
/// average and reported as NaN with `averaging: .none`. Keeps all scores (O(examples) memory).
public final class ROCAUC: ScoreRankingMetric {
    /// ROC AUC for `task`, averaged by `averaging`.
    public init(task: ClassificationTask, averaging: Averaging = .macro, name: String = "roc_auc") {
        super.init(name: name, task: task, averaging: averaging, binaryValue: Self.rocArea)
    }

    static func rocArea(scores: [Double], positives: [Bool]) -> Double? {
        let positiveCount = Double(positives.filter { $0 }.count)
        let negativeCount = Double(positives.count) - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        // Mann-Whitney U from average ranks (ties share their mean rank).
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for i in start...end where positives[order[i]] { rankSum += averageRank }
            start = end + 1
        }
        return (rankSum - positiveCount * (positiveCount + 1) / 2) / (positiveCount * negativeCount)
    }
}

/// Average precision: the area under the precision-recall curve as a step function,
/// `Σ (Rₙ - Rₙ₋₁)·Pₙ` over distinct score thresholds from the highest (scikit-learn's
/// `average_precision_score`). Binary, multiclass one-vs-rest and multilabel; default averaging
/// `macro`. Undefined (as ``ROCAUC``) when a class has no positives. Keeps all scores.
public final class AveragePrecision: ScoreRankingMetric {
    /// Average precision for `task`, averaged by `averaging`.
    public init(task: ClassificationTask, averaging: Averaging = .macro, name: String = "average_precision") {
        super.init(name: name, task: task, averaging: averaging, binaryValue: Self.precisionRecallArea)
    }

    static func precisionRecallArea(scores: [Double], positives: [Bool]) -> Double? {
        let positiveCount = Double(positives.filter { $0 }.count)
        guard positiveCount > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0.0, seen = 0.0, previousRecall = 0.0, area = 0.0, start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            for i in start...end {
                seen += 1
                if positives[order[i]] { truePositives += 1 }
            }
            let recall = truePositives / positiveCount
            area += (recall - previousRecall) * (truePositives / seen)
            previousRecall = recall
            start = end + 1
        }
        return area
    }
}
