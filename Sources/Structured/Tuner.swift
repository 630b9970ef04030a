import Events
import TensorCore

/// Lightning's `Tuner`: the learning-rate range test on a module, through Events'
/// ``LearningRateFinder`` (the one implementation both frontends share). The module's own
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
        guard module.automaticOptimization else { throw TrainerError.invalidSetting("the learning-rate finder needs automatic optimization") }
        guard let optimizer = module.configureOptimizers()?.optimizer else {
            throw TrainerError.invalidSetting("configureOptimizers() returned no optimizer")
        }
        // Values the step logs go to a context of their own and are dropped.
        let context = TrainerContext(trainer: trainer)
        context.module = module
        context.hook = .trainingStep
        return try TrainerContext.$current.withValue(context) {
            try finder.run(model: module, optimizer: optimizer, data: train) { batch in
                context.batchSize = (batch as? LabeledBatch)?.count ?? 1
                guard let loss = try module.trainingStep(batch, batchIndex: 0) else {
                    throw TrainerError.invalidSetting("the learning-rate finder needs trainingStep to return the loss")
                }
                _ = context.results.takeStepValues()
                return (loss, context.batchSize)
            }
        }
    }
}
