import Metrics
import TensorCore
import Distributed

/// Settings of ``supervisedTrainer(model:optimizer:loss:options:)``.
public struct SupervisedOptions {
    /// Gradients of this many batches are summed before each optimizer step; each batch's loss
    /// is divided by it, so the step equals one on the combined batch. The last window of an
    /// epoch steps even when shorter (see ``OptimizationStep``).
    public var gradientAccumulationSteps = 1
    /// Clipping applied before each optimizer step.
    public var gradientClipping: GradientClipping?
    /// The processes training together (data parallelism): the model starts from rank 0's
    /// weights, gradients are averaged over every rank's examples before each optimizer step,
    /// and handlers that print or write act on rank 0. Give each rank its shard of the data with
    /// ``DataLoader/sharded(rank:worldSize:)``. Nil (the default) is one process.
    public var communicator: (any Communicator)?

    /// Options with these settings; see each property.
    public init(gradientAccumulationSteps: Int = 1, gradientClipping: GradientClipping? = nil, communicator: (any Communicator)? = nil) {
        self.gradientAccumulationSteps = gradientAccumulationSteps
        self.gradientClipping = gradientClipping
        self.communicator = communicator
    }
}

/// What an evaluator's step returns: the model's predictions and the targets, which attached
/// metrics consume.
public struct PredictionOutput {
    /// The model's output for the batch.
    public let predictions: Tensor
    /// The batch's labels.
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
    model: any Module<Tensor>, optimizer: any Optimizer,
    loss: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
    options: SupervisedOptions = SupervisedOptions()
) -> Engine<LabeledBatch, Float> {
    supervisedTrainer(model: model, optimizer: optimizer, loss: loss, options: options) { _, _, loss in loss.scalar }
}

/// ``supervisedTrainer(model:optimizer:loss:options:)`` whose output is `outputTransform(batch,
/// predictions, loss)` (the loss is the batch's full loss, before any division for accumulation).
public func supervisedTrainer<Output>(
    model: any Module<Tensor>, optimizer: any Optimizer,
    loss: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
    options: SupervisedOptions = SupervisedOptions(),
    outputTransform: @escaping (_ batch: LabeledBatch, _ predictions: Tensor, _ loss: Tensor) -> Output
) -> Engine<LabeledBatch, Output> {
    let steps = options.gradientAccumulationSteps
    precondition(steps >= 1, "supervisedTrainer: gradientAccumulationSteps must be at least 1, got \(steps)")
    let optimization = OptimizationStep(optimizer: optimizer, accumulation: steps, clipping: options.gradientClipping,
                                        communicator: options.communicator, model: model)
    let engine = Engine<LabeledBatch, Output> { engine, batch in
        model.train()
        let predictions = model(batch.inputs)
        let value = loss(predictions, batch.labels)
        let endsEpoch = engine.state.iterationInEpoch == engine.state.epochLength
        try optimization.apply(loss: value, examples: batch.count, endsEpoch: endsEpoch)
        if endsEpoch { optimization.epochEnded(engine.state.epoch) }
        return outputTransform(batch, predictions, value)
    }
    engine.optimization = optimization
    if let communicator = options.communicator {
        engine.communicator = communicator
        engine.on(.started) { engine in
            // Resumed runs restored the same checkpoint on every rank; fresh ones take rank 0's weights.
            if engine.state.iteration == 0 { try model.broadcastState(over: communicator) }
        }
    }
    return engine
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
///
/// With a `communicator`, each rank evaluates its shard (``DataLoader/evaluationShard(rank:worldSize:)``)
/// and the metrics combine every rank's examples, each counted once.
public func supervisedEvaluator(model: any Module<Tensor>, metrics: [String: any PredictionMetric] = [:],
                                communicator: (any Communicator)? = nil) -> Engine<LabeledBatch, PredictionOutput> {
    let evaluator = Engine<LabeledBatch, PredictionOutput> { _, batch in
        model.eval()
        defer { model.train() }
        let predictions = withoutGradient { model(batch.inputs) }
        return PredictionOutput(predictions: predictions, targets: batch.labels)
    }
    if let communicator { evaluator.communicator = communicator }
    for (name, metric) in metrics.sorted(by: { $0.key < $1.key }) {
        metric.attach(to: evaluator, name: name)
    }
    return evaluator
}
