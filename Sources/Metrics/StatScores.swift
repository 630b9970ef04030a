import TensorCore

/// The state shared by accuracy, precision, recall, F-beta and specificity: per class (per label;
/// the positive class for binary tasks) the counts of true and false positives and negatives.
/// O(batch × classes) per update; the state is four arrays of `classes` numbers.
///
/// Subclasses only say how the counts become a value.
public class StatScoresMetric: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// How predictions and targets are read: binary, multiclass or multilabel.
    public let task: ClassificationTask
    /// How per-class values combine into one (see ``Averaging``).
    public let averaging: Averaging
    /// The value where a denominator is 0 (a class never predicted, for precision). Default 0,
    /// as in torchmetrics and scikit-learn (which also warns).
    public let zeroDivision: Double
    /// Multiclass only: a prediction is right when the target is among the `topK` highest scores.
    public let topK: Int
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    /// The metric's value for one class from its counts; nil where the denominator is 0.
    let perClass: (_ tp: Double, _ fp: Double, _ tn: Double, _ fn: Double) -> Double?

    init(name: String, task: ClassificationTask, averaging: Averaging, zeroDivision: Double, topK: Int,
         perClass: @escaping (_ tp: Double, _ fp: Double, _ tn: Double, _ fn: Double) -> Double?) {
        self.perClass = perClass
        if case .multiclass(let classes) = task {
            precondition(classes >= 2, "\(name): a multiclass task needs at least 2 classes, got \(classes)")
            precondition((1...classes).contains(topK), "\(name): topK must be in 1...\(classes), got \(topK)")
        } else {
            precondition(topK == 1, "\(name): topK applies to multiclass tasks only")
        }
        self.name = name
        self.task = task
        self.averaging = averaging
        self.zeroDivision = zeroDivision
        self.topK = topK
        let zeros = [Double](repeating: 0, count: task.statisticsCount)
        for entry in ["tp", "fp", "tn", "fn"] { state.declare(entry, initial: zeros, reduction: .sum) }
        state.declare("updates", initial: [0], reduction: .sum)
    }

    /// Adds one batch of predictions and targets.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        let batch = try task.decode(predictions: predictions, targets: targets, metric: name, needsScores: topK > 1)
        var tp = state["tp"], fp = state["fp"], tn = state["tn"], fn = state["fn"]
        switch task {
        case .binary:
            for (predicted, target) in zip(batch.predictions, batch.targets) {
                switch (predicted, target) {
                case (1, 1): tp[0] += 1
                case (1, _): fp[0] += 1
                case (_, 1): fn[0] += 1
                default: tn[0] += 1
                }
            }
        case .multiclass(let classes):
            if topK == 1 {
                for (predicted, target) in zip(batch.predictions, batch.targets) {
                    if predicted == target { tp[target] += 1 } else { fp[predicted] += 1; fn[target] += 1 }
                }
            } else {
                // The predicted set is the topK highest scores (ties to the lower index), found by
                // topK selection passes over the row: O(topK × classes), one buffer per batch.
                var taken = [Bool](repeating: false, count: classes)
                for row in 0..<batch.count {
                    let base = row * classes, target = batch.targets[row]
                    for c in 0..<classes { taken[c] = false }
                    var targetTaken = false
                    for _ in 0..<topK {
                        var best = -1
                        for c in 0..<classes where !taken[c] && (best < 0 || batch.scores[base + c] > batch.scores[base + best]) {
                            best = c
                        }
                        taken[best] = true
                        if best == target { targetTaken = true } else { fp[best] += 1 }
                    }
                    if targetTaken { tp[target] += 1 } else { fn[target] += 1 }
                }
            }
        case .multilabel(let labels, _):
            for row in 0..<batch.count {
                for label in 0..<labels {
                    let i = row * labels + label
                    switch (batch.labelPredictions[i], batch.labelTargets[i]) {
                    case (true, true): tp[label] += 1
                    case (true, false): fp[label] += 1
                    case (false, true): fn[label] += 1
                    case (false, false): tn[label] += 1
                    }
                }
            }
        }
        state["tp"] = tp
        state["fp"] = fp
        state["fn"] = fn
        state["tn"] = tn
        state["updates"][0] += Double(batch.count)
    }

    /// The value computed from the counts.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["updates"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        var tn = state["tn"]
        let tp = state["tp"], fp = state["fp"], fn = state["fn"]
        if case .multiclass = task {
            // Not counted for multiclass (each example would add one to every other class):
            // derived from the number of examples.
            let examples = state["updates"][0]
            tn = tp.indices.map { examples - tp[$0] - fp[$0] - fn[$0] }
        }
        return try score(tp: tp, fp: fp, tn: tn, fn: fn)
    }

    /// Pools counts (micro) or averages per-class values.
    func score(tp: [Double], fp: [Double], tn: [Double], fn: [Double]) throws -> Tensor {
        let isMultilabel: Bool
        if case .multilabel = task { isMultilabel = true } else { isMultilabel = false }
        if case .binary = task {
            return Tensor(Float(perClass(tp[0], fp[0], tn[0], fn[0]) ?? zeroDivision))
        }
        switch averaging {
        case .micro:
            let value = perClass(tp.reduce(0, +), fp.reduce(0, +), tn.reduce(0, +), fn.reduce(0, +))
            return Tensor(Float(value ?? zeroDivision))
        case .none:
            return Tensor(tp.indices.map { Float(perClass(tp[$0], fp[$0], tn[$0], fn[$0]) ?? zeroDivision) })
        case .macro, .weighted:
            var total = 0.0, weights = 0.0
            for c in tp.indices {
                let weight: Double
                if averaging == .weighted {
                    weight = tp[c] + fn[c]
                } else if isMultilabel {
                    weight = 1
                } else {
                    // Multiclass macro leaves out classes absent from targets and predictions; with
                    // top-k, every class is predicted somewhere, so classes without support are left out.
                    weight = (topK > 1 ? tp[c] + fn[c] : tp[c] + fp[c] + fn[c]) == 0 ? 0 : 1
                }
                total += weight * (perClass(tp[c], fp[c], tn[c], fn[c]) ?? zeroDivision)
                weights += weight
            }
            return Tensor(Float(weights == 0 ? zeroDivision : total / weights))
        }
    }
}

/// Accuracy: the fraction of correct predictions. Default averaging `micro`.
///
/// Binary: `(tp + tn) / n`. Multiclass: micro is correct predictions over all predictions
/// (with `topK`, a prediction is correct when the target is among the `topK` highest scores);
/// macro, weighted and none give per-class recall (torchmetrics' definition). Multilabel: per
/// label `(tp + tn) / n`, averaged (micro pools the counts of all labels); this is not
/// scikit-learn's exact-match subset accuracy.
///
/// ```swift
/// let accuracy = Accuracy(task: .multiclass(classes: 10))
/// try accuracy.update(predictions: logits, targets: labels)
/// ```
public final class Accuracy: StatScoresMetric {
    /// The metric for `task`: `averaging` combines classes, `topK` counts a hit among the k best scores, `zeroDivision` is the value of 0/0.
    public init(task: ClassificationTask, averaging: Averaging = .micro, topK: Int = 1, zeroDivision: Double = 0, name: String = "accuracy") {
        let multiclass: Bool
        if case .multiclass = task { multiclass = true } else { multiclass = false }
        super.init(name: name, task: task, averaging: averaging, zeroDivision: zeroDivision, topK: topK) { tp, fp, tn, fn in
            if multiclass { return tp + fn == 0 ? nil : tp / (tp + fn) }
            let all = tp + fp + tn + fn
            return all == 0 ? nil : (tp + tn) / all
        }
    }
}

/// Precision: `tp / (tp + fp)`, the fraction of positive predictions that are right. Default
/// averaging `macro`; a class never predicted gets `zeroDivision` (default 0).
public final class Precision: StatScoresMetric {
    /// The metric for `task`: `averaging` combines classes, `topK` counts a hit among the k best scores, `zeroDivision` is the value of 0/0.
    public init(task: ClassificationTask, averaging: Averaging = .macro, topK: Int = 1, zeroDivision: Double = 0, name: String = "precision") {
        super.init(name: name, task: task, averaging: averaging, zeroDivision: zeroDivision, topK: topK) { tp, fp, _, _ in
            tp + fp == 0 ? nil : tp / (tp + fp)
        }
    }
}

/// Recall (sensitivity): `tp / (tp + fn)`, the fraction of positives found. Default averaging
/// `macro`; a class absent from the targets gets `zeroDivision` (default 0).
public final class Recall: StatScoresMetric {
    /// The metric for `task`: `averaging` combines classes, `topK` counts a hit among the k best scores, `zeroDivision` is the value of 0/0.
    public init(task: ClassificationTask, averaging: Averaging = .macro, topK: Int = 1, zeroDivision: Double = 0, name: String = "recall") {
        super.init(name: name, task: task, averaging: averaging, zeroDivision: zeroDivision, topK: topK) { tp, _, _, fn in
            tp + fn == 0 ? nil : tp / (tp + fn)
        }
    }
}

/// Specificity: `tn / (tn + fp)`, the fraction of negatives recognized. Default averaging `macro`.
public final class Specificity: StatScoresMetric {
    /// The metric for `task`: `averaging` combines classes, `topK` counts a hit among the k best scores, `zeroDivision` is the value of 0/0.
    public init(task: ClassificationTask, averaging: Averaging = .macro, topK: Int = 1, zeroDivision: Double = 0, name: String = "specificity") {
        super.init(name: name, task: task, averaging: averaging, zeroDivision: zeroDivision, topK: topK) { _, fp, tn, _ in
            tn + fp == 0 ? nil : tn / (tn + fp)
        }
    }
}

/// F-beta: `(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp)`, the weighted harmonic mean of precision
/// and recall (`beta` 1 gives F1). Default averaging `macro`; 0/0 gives `zeroDivision`.
///
/// ```swift
/// let f1 = FBetaScore(task: .multiclass(classes: 10))
/// let f2 = FBetaScore(task: .binary(), beta: 2)
/// ```
public final class FBetaScore: StatScoresMetric {
    /// How much more recall weighs than precision (1: the F1 score).
    public let beta: Double

    /// The F-beta score for `task` with `beta`; the other settings as for ``Precision``.
    public init(task: ClassificationTask, beta: Double = 1, averaging: Averaging = .macro, topK: Int = 1,
                zeroDivision: Double = 0, name: String? = nil) {
        self.beta = beta
        let b2 = beta * beta
        super.init(name: name ?? (beta == 1 ? "f1" : "f\(beta)"), task: task, averaging: averaging,
                   zeroDivision: zeroDivision, topK: topK) { tp, fp, _, fn in
            let denominator = (1 + b2) * tp + b2 * fn + fp
            return denominator == 0 ? nil : (1 + b2) * tp / denominator
        }
    }
}
