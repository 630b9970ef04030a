import Events
import TensorCore

/// Lightning's `Tuner`: the learning-rate range test and the batch-size scaler on a module,
/// through Events' ``LearningRateFinder`` and ``BatchSizeFinder`` (one implementation each for
/// both frontends). The module's own
/// `trainingStep` gives each batch's loss, with the optimizer its `configureOptimizers` returns;
/// afterwards the module and the random generator are as they were, bit for bit.
///
/// ```swift
/// let result = try Tuner(trainer: trainer).learningRateFind(classifier, train: loader)
/// classifier.learningRate = result.suggestion ?? classifier.learningRate
/// try trainer.fit(classifier, train: loader)
/// ```
public struct Tuner {
    /// The trainer whose settings the sweep runs under (its `log` rules apply to the steps).
    public let trainer: Trainer

    /// A tuner for `trainer`.
    public init(trainer: Trainer) { self.trainer = trainer }

    /// Runs `finder`'s sweep over `train` with the module's training step and optimizer.
    /// - Throws: ``TrainerError`` for a module without an optimizer or whose training step
    ///   returns no loss (manual optimization), and whatever the step throws.
    public func learningRateFind<M: TrainingModule, Source: BatchSource>(_ module: M, train: Source,
                                                                          finder: LearningRateFinder = LearningRateFinder()) throws
        -> LearningRateFinder.Result where Source.Batch == M.Batch {
        try withTrainingStep(module) { optimizer, step in
            try finder.run(model: module, optimizer: optimizer, data: train, loss: step)
        }
    }

    /// Lightning's `scale_batch_size` (power mode) on a module: the largest batch whose
    /// training step stays under `memoryLimit` bytes at its peak, through Events'
    /// ``BatchSizeFinder``. `batch(size)` makes a batch of `size` examples.
    /// - Throws: as ``learningRateFind(_:train:finder:)``.
    public func scaleBatchSize<M: TrainingModule>(_ module: M, memoryLimit: Int, initialSize: Int = 2, maximumSize: Int = 1 << 16,
                                                  batch: (Int) throws -> M.Batch) throws -> BatchSizeFinder.Result {
        let finder = BatchSizeFinder(memoryLimit: memoryLimit, initialSize: initialSize, maximumSize: maximumSize)
        return try withTrainingStep(module) { optimizer, step in
            try finder.run(model: module, optimizer: optimizer, batch: batch, loss: step)
        }
    }

    /// Calls `body` with the module's optimizer and its training step as a loss function, inside
    /// a context of its own (values the step logs are dropped).
    private func withTrainingStep<M: TrainingModule, T>(_ module: M,
                                                       _ body: (any Optimizer, (M.Batch) throws -> (loss: Tensor, examples: Int)) throws -> T) throws -> T {
        guard module.automaticOptimization else { throw TrainerError.invalidSetting("the tuner needs automatic optimization") }
        guard let optimizer = module.configureOptimizers()?.optimizer else {
            throw TrainerError.invalidSetting("configureOptimizers() returned no optimizer")
        }
        let context = TrainerContext(trainer: trainer)
        context.module = module
        context.hook = .trainingStep
        return try TrainerContext.$current.withValue(context) {
            try body(optimizer) { batch in
                context.batchSize = (batch as? LabeledBatch)?.count ?? 1
                guard let loss = try module.trainingStep(batch, batchIndex: 0) else {
                    throw TrainerError.invalidSetting("the tuner needs trainingStep to return the loss")
                }
                _ = context.results.takeStepValues()
                return (loss, context.batchSize)
            }
        }
    }
}
