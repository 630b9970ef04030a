import TensorCore

/// Exact-match (subset) accuracy for multilabel tasks: the fraction of examples whose every
/// label is predicted right (scikit-learn's `accuracy_score` on label matrices, torchmetrics'
/// `MultilabelExactMatch`). Stricter than ``Accuracy``, which scores each label on its own.
///
/// ```swift
/// let exact = ExactMatch(task: .multilabel(labels: 5))
/// try exact.update(predictions: probabilities, targets: labelMatrix)
/// try exact.compute().scalar   // 0.62: 62% of examples have all 5 labels right
/// ```
public final class ExactMatch: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// A multilabel task: how scores become labels.
    public let task: ClassificationTask
    /// The accumulated state: matching examples and examples seen, summed across processes.
    public var state = MetricState()

    /// Exact-match accuracy for a multilabel `task`.
    public init(task: ClassificationTask, name: String = "exact_match") {
        guard case .multilabel = task else { preconditionFailure("\(name): exact match is for multilabel tasks; use Accuracy otherwise") }
        self.name = name
        self.task = task
        state.declare("matches", initial: [0], reduction: .sum)
        state.declare("count", initial: [0], reduction: .sum)
    }

    /// Adds one batch: `predictions` scores `[batch, labels]`, `targets` 0 or 1 of the same shape.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        let batch = try task.decode(predictions: predictions, targets: targets, metric: name)
        let labels = batch.count == 0 ? 0 : batch.labelTargets.count / batch.count
        for example in 0..<batch.count {
            let range = example * labels..<(example + 1) * labels
            if batch.labelTargets[range] == batch.labelPredictions[range] { state["matches"][0] += 1 }
        }
        state["count"][0] += Double(batch.count)
    }

    /// The fraction of examples with every label right.
    /// - Throws: ``MetricError/noUpdates(metric:)`` before any update.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["count"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["matches"][0] / state["count"][0]))
    }
}
