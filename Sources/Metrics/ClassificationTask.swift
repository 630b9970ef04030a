import Foundation
import TensorCore

/// What a classifier predicts, which decides how its outputs are read.
public enum ClassificationTask: Sendable, Equatable {
    /// One score per example, positive when it reaches `threshold`. Scores outside [0, 1] are
    /// taken as logits and passed through a sigmoid first (as torchmetrics does). Targets are 0 or 1.
    case binary(threshold: Float = 0.5)
    /// Scores or logits `[batch, classes]` (the prediction is the highest), or predicted class
    /// indices `[batch]`. Targets are class indices `[batch]` in `0..<classes`.
    case multiclass(classes: Int)
    /// Scores or logits `[batch, labels]`, each label positive when it reaches `threshold`
    /// (logits as for `binary`). Targets are `[batch, labels]` of 0 or 1.
    case multilabel(labels: Int, threshold: Float = 0.5)

    /// The number of per-class statistics: 1 for binary (the positive class).
    var statisticsCount: Int {
        switch self {
        case .binary: 1
        case .multiclass(let classes): classes
        case .multilabel(let labels, _): labels
        }
    }
}

/// How per-class values combine into one.
///
/// Defaults differ by metric, as in torchmetrics: ``Accuracy`` uses `micro` (the fraction of
/// correct predictions, what "accuracy" usually means); ``Precision``, ``Recall``,
/// ``FBetaScore`` and ``Specificity`` use `macro`. For single-label multiclass data, micro
/// precision, recall and F1 all equal micro accuracy, which is why macro is their default.
public enum Averaging: Sendable, Equatable {
    /// Pool the counts of all classes, then compute once.
    case micro
    /// Compute per class, then take the unweighted mean. For multiclass tasks, classes that
    /// occur neither in targets nor in predictions are left out (torchmetrics and scikit-learn
    /// agree on this); with `topK > 1`, classes absent from the targets are left out
    /// (torchmetrics' rule).
    case macro
    /// Compute per class, then average weighted by each class's support (its count in targets).
    case weighted
    /// One value per class.
    case none
}

/// One batch decoded for a task.
struct DecodedBatch {
    /// Per example: the true class (binary: 0 or 1; multiclass: the index).
    var targets: [Int] = []
    /// Per example: the predicted class (binary and top-1 multiclass).
    var predictions: [Int] = []
    /// Multiclass scores, row-major `[count, classes]`, when given as scores.
    var scores: [Float] = []
    /// Multilabel: per (example, label), target and predicted bits, row-major.
    var labelTargets: [Bool] = []
    var labelPredictions: [Bool] = []
    /// Binary and multilabel: scores mapped to [0, 1] (probabilities).
    var probabilities: [Float] = []
    var count = 0
}

extension ClassificationTask {
    /// Reads `predictions` and `targets` for this task, or throws what is wrong with them.
    func decode(predictions: Tensor, targets: Tensor, metric: String, needsScores: Bool = false) throws -> DecodedBatch {
        let invalid = { (problem: String) in MetricError.invalidInput(metric: metric, problem: problem) }
        switch self {
        case .binary(let threshold):
            return try Self.decodeBinary(predictions, targets, threshold: threshold, invalid)
        case .multiclass(let classes):
            return try Self.decodeMulticlass(predictions, targets, classes: classes, needsScores: needsScores, invalid)
        case .multilabel(let labels, let threshold):
            return try Self.decodeMultilabel(predictions, targets, labels: labels, threshold: threshold, invalid)
        }
    }

    private static func decodeBinary(_ predictions: Tensor, _ targets: Tensor, threshold: Float,
                                     _ invalid: (String) -> MetricError) throws -> DecodedBatch {
        guard predictions.shape == targets.shape else {
            throw invalid("predictions of shape \(predictions.shape) and targets of shape \(targets.shape) differ")
        }
        var batch = DecodedBatch()
        let scores = predictions.scalars
        if scores.contains(where: \.isNaN) { throw invalid("predictions contain NaN") }
        batch.probabilities = scores.contains { $0 < 0 || $0 > 1 } ? scores.map { 1 / (1 + exp(-$0)) } : scores
        batch.predictions = batch.probabilities.map { $0 >= threshold ? 1 : 0 }
        batch.targets = try targets.scalars.enumerated().map { index, value in
            guard value == 0 || value == 1 else { throw invalid("target \(value) at index \(index) is not 0 or 1") }
            return Int(value)
        }
        batch.count = scores.count
        return batch
    }

    private static func decodeMulticlass(_ predictions: Tensor, _ targets: Tensor, classes: Int, needsScores: Bool,
                                         _ invalid: (String) -> MetricError) throws -> DecodedBatch {
        guard targets.rank == 1 else { throw invalid("targets must be class indices [batch], got shape \(targets.shape)") }
        var batch = DecodedBatch()
        let count = targets.shape[0]
        batch.targets = try targets.scalars.enumerated().map { index, value in
            guard value >= 0, value < Float(classes), value == value.rounded() else {
                throw invalid("target \(value) at index \(index) is not a class index in 0..<\(classes)")
            }
            return Int(value)
        }
        if predictions.shape == [count, classes] {
            let scores = predictions.scalars
            if scores.contains(where: \.isNaN) { throw invalid("predictions contain NaN") }
            batch.scores = scores
            batch.predictions = (0..<count).map { row in
                var best = 0
                for c in 1..<classes where scores[row * classes + c] > scores[row * classes + best] { best = c }
                return best
            }
        } else if predictions.shape == [count], !needsScores {
            batch.predictions = try predictions.scalars.enumerated().map { index, value in
                guard value >= 0, value < Float(classes), value == value.rounded() else {
                    throw invalid("predicted class \(value) at index \(index) is not in 0..<\(classes)")
                }
                return Int(value)
            }
        } else {
            throw invalid("predictions must be \(needsScores ? "" : "class indices [\(count)] or ")scores [\(count), \(classes)], got shape \(predictions.shape)")
        }
        batch.count = count
        return batch
    }

    private static func decodeMultilabel(_ predictions: Tensor, _ targets: Tensor, labels: Int, threshold: Float,
                                         _ invalid: (String) -> MetricError) throws -> DecodedBatch {
        guard predictions.rank == 2, predictions.shape[1] == labels, predictions.shape == targets.shape else {
            throw invalid("predictions and targets must both be [batch, \(labels)], got \(predictions.shape) and \(targets.shape)")
        }
        var batch = DecodedBatch()
        let scores = predictions.scalars
        if scores.contains(where: \.isNaN) { throw invalid("predictions contain NaN") }
        batch.probabilities = scores.contains { $0 < 0 || $0 > 1 } ? scores.map { 1 / (1 + exp(-$0)) } : scores
        batch.labelPredictions = batch.probabilities.map { $0 >= threshold }
        batch.labelTargets = try targets.scalars.enumerated().map { index, value in
            guard value == 0 || value == 1 else { throw invalid("target \(value) at flat index \(index) is not 0 or 1") }
            return value == 1
        }
        batch.count = predictions.shape[0]
        return batch
    }
}
