import Events
import Metrics
import TensorCore

/// A model that knows how to train itself: the Lightning-style contract.
///
/// Implement ``trainingStep(_:batchIndex:)`` (return the loss) and ``configureOptimizers()``;
/// everything else has a default. Hooks are protocol requirements with do-nothing defaults,
/// called by the ``Trainer`` in Lightning's order (see `Tests/StructuredTests/HookOrderTests`),
/// never looked up by name.
///
/// ```swift
/// final class Classifier: TrainingModule {
///     let network = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 10))
///     let accuracy = Accuracy(task: .multiclass(classes: 10))
///     var isTraining = true
///     var children: [(String, any Module)] { [("network", network)] }
///     func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
///
///     func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
///         let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
///         try log("train_loss", loss.scalar)
///         return loss
///     }
///     func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
///         let logits = self(batch.inputs)
///         try accuracy.update(predictions: logits, targets: batch.labels)
///         try log("val_loss", crossEntropy(logits: logits, labels: batch.labels).scalar)
///         try log("val_accuracy", accuracy)
///     }
///     func configureOptimizers() -> OptimizerConfiguration { OptimizerConfiguration(Adam(for: self)) }
/// }
/// ```
public protocol TrainingModule: Module {
    /// What the data yields; `LabeledBatch` for the usual supervised data.
    associatedtype Batch = LabeledBatch

    /// The loss of one training batch (automatic optimization backpropagates it and steps), or
    /// nil to skip the batch. With manual optimization, do the backward and step here
    /// (``manualBackward(_:)``, ``optimizer``) and return nil.
    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor?
    /// One validation batch; runs without gradient recording, in evaluation mode. Default: nothing.
    func validationStep(_ batch: Batch, batchIndex: Int) throws
    /// One test batch, as validation. Default: nothing.
    func testStep(_ batch: Batch, batchIndex: Int) throws
    /// The prediction for one batch. Default: the forward pass on `inputs` of a `LabeledBatch`.
    func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor
    /// The optimizer (and optional learning-rate schedule). Called once per `fit`.
    func configureOptimizers() -> OptimizerConfiguration?
    /// Whether the trainer runs backward and the optimizer step (true, the default) or the
    /// training step does (manual optimization).
    var automaticOptimization: Bool { get }

    /// Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    func onFitStart()
    /// Called once when `fit` ends normally, after training.
    func onFitEnd()
    /// Called when the training loop starts (also when it resumes).
    func onTrainStart()
    /// Called when the training loop ends, after the last epoch.
    func onTrainEnd()
    /// Called at the start of every training epoch, in training mode.
    func onTrainEpochStart()
    /// Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    func onTrainEpochEnd()
    /// Called before each training batch's step.
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int)
    /// Called after each training batch: its step, backward and any optimizer step are done.
    func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int)
    /// Called when a validation pass starts (within `fit`, or `validate`).
    func onValidationStart()
    /// Called when a validation pass ends, after its epoch values are published.
    func onValidationEnd()
    /// Called at the start of a validation pass's batches.
    func onValidationEpochStart()
    /// Called after a validation pass's batches, before its epoch values are computed.
    func onValidationEpochEnd()
    /// Called before each validation batch's step.
    func onValidationBatchStart(_ batch: Batch, batchIndex: Int)
    /// Called after each validation batch's step.
    func onValidationBatchEnd(_ batch: Batch, batchIndex: Int)
    /// Called when `test` starts.
    func onTestStart()
    /// Called when `test` ends, after its epoch values are published.
    func onTestEnd()
    /// Called at the start of the test batches.
    func onTestEpochStart()
    /// Called after the test batches, before their epoch values are computed.
    func onTestEpochEnd()
    /// Called before backward, with the loss as scaled for gradient accumulation.
    func onBeforeBackward(_ loss: Tensor)
    /// Called after backward, before gradients are synchronized across processes.
    func onAfterBackward()
    /// Called before gradients are cleared at the start of an accumulation window.
    func onBeforeZeroGrad(_ optimizer: any Optimizer)
    /// Called before the optimizer step, after gradients are synchronized and before clipping.
    func onBeforeOptimizerStep(_ optimizer: any Optimizer)
    /// Adds entries to a checkpoint being saved.
    func onSaveCheckpoint(_ entries: inout [String: String])
    /// Reads entries from a checkpoint being restored.
    func onLoadCheckpoint(_ entries: [String: String])
    /// Called when a step or hook throws, before the error propagates.
    func onException(_ error: Error)
}

extension TrainingModule {
    /// Does nothing: a module without validation.
    public func validationStep(_ batch: Batch, batchIndex: Int) throws {}
    /// Does nothing: a module without test steps.
    public func testStep(_ batch: Batch, batchIndex: Int) throws {}
    /// Automatic optimization: the trainer runs backward and the optimizer step.
    public var automaticOptimization: Bool { true }
    /// Does nothing; override it to act here. Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    public func onFitStart() {}
    /// Does nothing; override it to act here. Called once when `fit` ends normally, after training.
    public func onFitEnd() {}
    /// Does nothing; override it to act here. Called when the training loop starts (also when it resumes).
    public func onTrainStart() {}
    /// Does nothing; override it to act here. Called when the training loop ends, after the last epoch.
    public func onTrainEnd() {}
    /// Does nothing; override it to act here. Called at the start of every training epoch, in training mode.
    public func onTrainEpochStart() {}
    /// Does nothing; override it to act here. Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    public func onTrainEpochEnd() {}
    /// Does nothing; override it to act here. Called before each training batch's step.
    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each training batch: its step, backward and any optimizer step are done.
    public func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called when a validation pass starts (within `fit`, or `validate`).
    public func onValidationStart() {}
    /// Does nothing; override it to act here. Called when a validation pass ends, after its epoch values are published.
    public func onValidationEnd() {}
    /// Does nothing; override it to act here. Called at the start of a validation pass's batches.
    public func onValidationEpochStart() {}
    /// Does nothing; override it to act here. Called after a validation pass's batches, before its epoch values are computed.
    public func onValidationEpochEnd() {}
    /// Does nothing; override it to act here. Called before each validation batch's step.
    public func onValidationBatchStart(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each validation batch's step.
    public func onValidationBatchEnd(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called when `test` starts.
    public func onTestStart() {}
    /// Does nothing; override it to act here. Called when `test` ends, after its epoch values are published.
    public func onTestEnd() {}
    /// Does nothing; override it to act here. Called at the start of the test batches.
    public func onTestEpochStart() {}
    /// Does nothing; override it to act here. Called after the test batches, before their epoch values are computed.
    public func onTestEpochEnd() {}
    /// Does nothing; override it to act here. Called before backward, with the loss as scaled for gradient accumulation.
    public func onBeforeBackward(_ loss: Tensor) {}
    /// Does nothing; override it to act here. Called after backward, before gradients are synchronized across processes.
    public func onAfterBackward() {}
    /// Does nothing; override it to act here. Called before gradients are cleared at the start of an accumulation window.
    public func onBeforeZeroGrad(_ optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Called before the optimizer step, after gradients are synchronized and before clipping.
    public func onBeforeOptimizerStep(_ optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Adds state to a checkpoint being saved.
    public func onSaveCheckpoint(_ entries: inout [String: String]) {}
    /// Does nothing; override it to act here. Restores state from a checkpoint being resumed.
    public func onLoadCheckpoint(_ entries: [String: String]) {}
    /// Does nothing; override it to act here. Called when a step or hook throws, before the error propagates.
    public func onException(_ error: Error) {}

    /// The optimizer from ``configureOptimizers()`` during `fit` (for manual optimization).
    public var optimizer: (any Optimizer)? { TrainerContext.current?.optimizer }

    /// Backpropagates `loss` with the backward hooks, for manual optimization
    /// (Lightning's `manual_backward`). When several processes train, the gradients are then
    /// averaged across them (weighted by each rank's batch size), as DDP's backward does.
    /// - Throws: a data-dependent error recorded while computing `loss`, or a communication error.
    public func manualBackward(_ loss: Tensor) throws {
        guard let context = TrainerContext.current, let optimization = context.optimization else {
            try throwPendingDataError()
            loss.backward()
            return
        }
        defer { context.hook = .trainingStep }
        try optimization.manualBackward(loss, examples: context.batchSize)
    }
}

extension TrainingModule where Batch == LabeledBatch {
    /// The forward pass on the batch's inputs.
    public func predictStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor {
        self(batch.inputs)
    }
}

/// What ``TrainingModule/configureOptimizers()`` returns: an optimizer, optionally with a
/// learning-rate schedule and how it is stepped.
public struct OptimizerConfiguration {
    /// The optimizer the trainer steps.
    public var optimizer: any Optimizer
    /// The learning-rate schedule and how it is stepped, if any.
    public var scheduler: SchedulerConfiguration?

    /// An optimizer with an optional schedule.
    public init(_ optimizer: any Optimizer, scheduler: SchedulerConfiguration? = nil) {
        self.optimizer = optimizer
        self.scheduler = scheduler
    }
}

/// A learning-rate schedule and when the trainer steps it (Lightning's `lr_scheduler_config`).
public struct SchedulerConfiguration {
    /// Whether a schedule advances per optimizer step or per epoch.
    public enum Interval: Sendable { case step, epoch }
    /// The rate as a function of the schedule's step count.
    public var schedule: any LearningRateSchedule
    /// After each optimizer step, or at the end of each epoch (the default, as in Lightning).
    public var interval: Interval
    /// Step the schedule every `frequency` intervals.
    public var frequency: Int
    /// The name ``LearningRateMonitor`` logs the rate under (default `lr-<optimizer type>`).
    public var name: String?

    /// Set for a schedule driven by a logged value instead of the step count.
    public var plateau: PlateauReduction?

    /// A schedule stepped every `frequency` intervals; `name` keys it in the learning-rate monitor.
    public init(_ schedule: any LearningRateSchedule, interval: Interval = .epoch, frequency: Int = 1, name: String? = nil) {
        self.schedule = schedule
        self.interval = interval
        self.frequency = frequency
        self.name = name
    }

    /// Lowers the learning rate when a logged value stops improving (PyTorch's
    /// `ReduceLROnPlateau` with Lightning's `monitor`), checked at the end of every
    /// `frequency`-th epoch, after that epoch's validation.
    public init(reduceOnPlateau plateau: PlateauReduction, frequency: Int = 1, name: String? = nil) {
        self.init(ConstantRate(), interval: .epoch, frequency: frequency, name: name)
        self.plateau = plateau
    }
}

/// How ``SchedulerConfiguration/init(reduceOnPlateau:frequency:name:)`` lowers the rate: multiply
/// it by `factor` (not below `minimumRate`) once `monitor` has gone more than `patience` checks
/// without improving by more than `minimumDelta`, as PyTorch's `ReduceLROnPlateau` counts.
public struct PlateauReduction: Sendable {
    /// The logged value the plateau rule watches.
    public var monitor: String
    /// Which way the monitored value improves.
    public var mode: MonitorMode
    /// The factor the rate is multiplied by on a plateau.
    public var factor: Float
    /// Epochs without improvement tolerated before reducing (PyTorch's rule).
    public var patience: Int
    /// The change that counts as an improvement.
    public var minimumDelta: Float
    /// The rate never goes below this.
    public var minimumRate: Float

    /// A plateau rule; see the properties (PyTorch's `ReduceLROnPlateau` defaults).
    public init(monitor: String, mode: MonitorMode = .min, factor: Float = 0.1, patience: Int = 10,
                minimumDelta: Float = 0, minimumRate: Float = 0) {
        precondition(factor > 0 && factor < 1, "PlateauReduction: factor must be in (0, 1), got \(factor)")
        precondition(patience >= 0, "PlateauReduction: patience must be >= 0")
        self.monitor = monitor
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.minimumRate = minimumRate
    }
}

/// Data for the stages of a run, prepared in one place (Lightning's `LightningDataModule`).
public protocol DataModule {
    /// The batches this data module provides.
    associatedtype Source: BatchSource
    /// Downloads or writes data: runs once, on rank 0 only.
    func prepareData() throws
    /// Loads what the stage needs: runs on every process.
    func setup(stage: Stage) throws
    /// The training data (required).
    func trainData() throws -> Source
    /// The validation data, if any.
    func validationData() throws -> Source?
    /// The test data, if any.
    func testData() throws -> Source?
    /// The data to predict on, if any.
    func predictData() throws -> Source?
    /// Called after a stage ends, to release what `setup` made.
    func teardown(stage: Stage)
}

/// The stage a data module prepares for.
public enum Stage: Sendable { case fit, validate, test, predict }

extension DataModule {
    /// Does nothing; override it to download or prepare data (rank 0 only).
    public func prepareData() throws {}
    /// Does nothing; override it to build the data of `stage` (every rank).
    public func setup(stage: Stage) throws {}
    /// No validation data by default.
    public func validationData() throws -> Source? { nil }
    /// No test data by default.
    public func testData() throws -> Source? { nil }
    /// No prediction data by default.
    public func predictData() throws -> Source? { nil }
    /// Does nothing by default.
    public func teardown(stage: Stage) {}
}
