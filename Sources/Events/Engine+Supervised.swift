import Metrics
import TensorCore

/// Settings of ``supervisedTrainer(model:optimizer:loss:options:)``.
public struct SupervisedOptions: Sendable {
    /// Gradients of this many batches are summed before each optimizer step; each batch's loss
    /// is divided by it, so the step equals one on the combined batch (Ignite's semantics).
    public var gradientAccumulationSteps = 1
    /// Clipping applied before each optimizer step.
    public var gradientClipping: GradientClipping?

    public init(gradientAccumulationSteps: Int = 1, gradientClipping: GradientClipping? = nil) {
        self.gradientAccumulationSteps = gradientAccumulationSteps
        self.gradientClipping = gradientClipping
    }
}

/// What an evaluator's step returns: the model's predictions and the targets, which attached
/// metrics consume.
public struct PredictionOutput {
    public let predictions: Tensor
    public let targets: Tensor
}

/// A trainer for the usual supervised step: forward, loss, backward, (clip), optimizer step,
/// with optional gradient accumulation. Its output is the batch's loss.
///
/// ```swift
/// let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model))
/// try trainer.run(loader, maxEpochs: 3)
/// ```
public func supervisedTrainer(
    model: any Module, optimizer: any Optimizer,
    loss: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
    options: SupervisedOptions = SupervisedOptions()
) -> Engine<LabeledBatch, Float> {
    supervisedTrainer(model: model, optimizer: optimizer, loss: loss, options: options) { _, _, loss in loss.scalar }
}

/// ``supervisedTrainer(model:optimizer:loss:options:)`` whose output is `outputTransform(batch,
/// predictions, loss)` (the loss is the batch's full loss, before any division for accumulation).
public func supervisedTrainer<Output>(
    model: any Module, optimizer: any Optimizer,
    loss: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
    options: SupervisedOptions = SupervisedOptions(),
    outputTransform: @escaping (_ batch: LabeledBatch, _ predictions: Tensor, _ loss: Tensor) -> Output
) -> Engine<LabeledBatch, Output> {
    let steps = options.gradientAccumulationSteps
    precondition(steps >= 1, "supervisedTrainer: gradientAccumulationSteps must be at least 1, got \(steps)")
    return Engine { engine, batch in
        if (engine.state.iteration - 1) % steps == 0 { optimizer.zeroGradients() }
        model.train()
        let predictions = model(batch.inputs)
        let value = loss(predictions, batch.labels)
        (steps == 1 ? value : value / Float(steps)).backward()
        if engine.state.iteration % steps == 0 {
            options.gradientClipping?.apply(to: optimizer.parameters)
            optimizer.step()
        }
        return outputTransform(batch, predictions, value)
    }
}

/// An evaluator: runs the model in evaluation mode without recording gradients, and feeds
/// `metrics` (attached epoch-wise under their dictionary keys, so each run's values land in
/// ``EngineState/metrics``).
///
/// ```swift
/// let evaluator = supervisedEvaluator(model: model, metrics: [
///     "accuracy": Accuracy(task: .multiclass(classes: 10)),
///     "loss": Loss { crossEntropy(logits: $0, labels: $1) },
/// ])
/// try evaluator.run(testLoader)
/// print(evaluator.state.metrics["accuracy"]!)
/// ```
public func supervisedEvaluator(model: any Module, metrics: [String: any PredictionMetric] = [:]) -> Engine<LabeledBatch, PredictionOutput> {
    let evaluator = Engine<LabeledBatch, PredictionOutput> { _, batch in
        model.eval()
        defer { model.train() }
        let predictions = withoutGradient { model(batch.inputs) }
        return PredictionOutput(predictions: predictions, targets: batch.labels)
    }
    for (name, metric) in metrics.sorted(by: { $0.key < $1.key }) {
        metric.attach(to: evaluator, name: name)
    }
    return evaluator
}
