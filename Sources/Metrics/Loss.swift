import TensorCore

/// The mean of a loss over every example seen (Ignite's `Loss`): each batch's mean loss counts
/// with the batch size as weight, so the value does not depend on how the data was batched.
///
/// ```swift
/// let validationLoss = Loss { crossEntropy(logits: $0, labels: $1) }
/// ```
public final class Loss: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    private let loss: (_ predictions: Tensor, _ targets: Tensor) -> Tensor

    /// `loss` returns the mean loss of a batch.
    public init(name: String = "loss", _ loss: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor) {
        self.name = name
        self.loss = loss
        state.declare("total", initial: [0], reduction: .sum)
        state.declare("count", initial: [0], reduction: .sum)
    }

    /// Adds one batch of predictions and targets.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        let count = predictions.shape.first ?? 1
        let value = withoutGradient { loss(predictions, targets) }
        guard value.scalarCount == 1 else {
            throw MetricError.invalidInput(metric: name, problem: "the loss must reduce to one value, got shape \(value.shape)")
        }
        state["total"][0] += Double(value.scalar) * Double(count)
        state["count"][0] += Double(count)
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["count"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["total"][0] / state["count"][0]))
    }
}
