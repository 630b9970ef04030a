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
    /// The size of a gradient bucket when several processes train: one all-reduce each, started
    /// while backward still runs (25 MB, PyTorch DDP's `bucket_cap_mb`).
    public var gradientBucketBytes = 25 << 20

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
    trainingEngine(model: model, optimizer: optimizer, options: options) { (batch: LabeledBatch) in
        let predictions = model(batch.inputs)
        let value = loss(predictions, batch.labels)
        return (value, batch.count, { outputTransform(batch, predictions, value) })
    }
}

/// A trainer for any batch type (token sequences, pairs, several inputs): `loss` computes the
/// batch's loss from the model, and the engine runs the one optimization step on it (the same
/// accumulation, synchronization, clipping and schedule as ``supervisedTrainer(model:optimizer:loss:options:)``).
/// Its output is the batch's loss.
///
/// ```swift
/// let trainer = lossTrainer(model: gpt, optimizer: optimizer, options: SupervisedOptions(gradientClipping: .norm(1))) {
///     (batch: TokenBatch) in (crossEntropy(logits: gpt(batch.inputs), targets: batch.targets), batch.count)
/// }
/// try trainer.run(DataLoader(windows, batchSize: 12))
/// ```
public func lossTrainer<Batch>(
    model: any Module, optimizer: any Optimizer, options: SupervisedOptions = SupervisedOptions(),
    loss: @escaping (_ batch: Batch) throws -> (loss: Tensor, examples: Int)
) -> Engine<Batch, Float> {
    trainingEngine(model: model, optimizer: optimizer, options: options) { (batch: Batch) in
        let (value, examples) = try loss(batch)
        return (value, examples, { value.scalar })
    }
}

/// The engine behind both trainers: `step` gives the batch's loss, its example count and a
/// way to make the output once the optimization step has run.
private func trainingEngine<Batch, Output>(
    model: any Module, optimizer: any Optimizer, options: SupervisedOptions,
    step: @escaping (Batch) throws -> (loss: Tensor, examples: Int, output: () -> Output)
) -> Engine<Batch, Output> {
    let steps = options.gradientAccumulationSteps
    precondition(steps >= 1, "supervisedTrainer: gradientAccumulationSteps must be at least 1, got \(steps)")
    let optimization = OptimizationStep(optimizer: optimizer, accumulation: steps, clipping: options.gradientClipping,
                                        communicator: options.communicator, model: model, bucketBytes: options.gradientBucketBytes)
    let engine = Engine<Batch, Output> { engine, batch in
        model.train()
        let (value, examples, output) = try step(batch)
        let endsEpoch = engine.state.iterationInEpoch == engine.state.epochLength
        try optimization.apply(loss: value, examples: examples, endsEpoch: endsEpoch)
        if endsEpoch { optimization.epochEnded(engine.state.epoch) }
        return output()
    }
    engine.optimization = optimization
    engine.name = "trainer"
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
    evaluator.name = "evaluator"
    for (name, metric) in metrics.sorted(by: { $0.key < $1.key }) {
        metric.attach(to: evaluator, name: name)
    }
    return evaluator
}
