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
///     let network = Sequential(Flatten(), Linear(inputSize: 784, outputSize: 10))
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

    func onFitStart()
    func onFitEnd()
    func onTrainStart()
    func onTrainEnd()
    func onTrainEpochStart()
    func onTrainEpochEnd()
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int)
    func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int)
    func onValidationStart()
    func onValidationEnd()
    func onValidationEpochStart()
    func onValidationEpochEnd()
    func onValidationBatchStart(_ batch: Batch, batchIndex: Int)
    func onValidationBatchEnd(_ batch: Batch, batchIndex: Int)
    func onTestStart()
    func onTestEnd()
    func onTestEpochStart()
    func onTestEpochEnd()
    func onBeforeBackward(_ loss: Tensor)
    func onAfterBackward()
    func onBeforeZeroGrad(_ optimizer: any Optimizer)
    func onBeforeOptimizerStep(_ optimizer: any Optimizer)
    /// Adds entries to a checkpoint being saved.
    func onSaveCheckpoint(_ entries: inout [String: String])
    /// Reads entries from a checkpoint being restored.
    func onLoadCheckpoint(_ entries: [String: String])
    /// Called when a step or hook throws, before the error propagates.
    func onException(_ error: Error)
}

extension TrainingModule {
    public func validationStep(_ batch: Batch, batchIndex: Int) throws {}
    public func testStep(_ batch: Batch, batchIndex: Int) throws {}
    public var automaticOptimization: Bool { true }
    public func onFitStart() {}
    public func onFitEnd() {}
    public func onTrainStart() {}
    public func onTrainEnd() {}
    public func onTrainEpochStart() {}
    public func onTrainEpochEnd() {}
    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) {}
    public func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int) {}
    public func onValidationStart() {}
    public func onValidationEnd() {}
    public func onValidationEpochStart() {}
    public func onValidationEpochEnd() {}
    public func onValidationBatchStart(_ batch: Batch, batchIndex: Int) {}
    public func onValidationBatchEnd(_ batch: Batch, batchIndex: Int) {}
    public func onTestStart() {}
    public func onTestEnd() {}
    public func onTestEpochStart() {}
    public func onTestEpochEnd() {}
    public func onBeforeBackward(_ loss: Tensor) {}
    public func onAfterBackward() {}
    public func onBeforeZeroGrad(_ optimizer: any Optimizer) {}
    public func onBeforeOptimizerStep(_ optimizer: any Optimizer) {}
    public func onSaveCheckpoint(_ entries: inout [String: String]) {}
    public func onLoadCheckpoint(_ entries: [String: String]) {}
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
    public func predictStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor {
        self(batch.inputs)
    }
}

/// What ``TrainingModule/configureOptimizers()`` returns: an optimizer, optionally with a
/// learning-rate schedule and how it is stepped.
public struct OptimizerConfiguration {
    public var optimizer: any Optimizer
    public var scheduler: SchedulerConfiguration?

    public init(_ optimizer: any Optimizer, scheduler: SchedulerConfiguration? = nil) {
        self.optimizer = optimizer
        self.scheduler = scheduler
    }
}

/// A learning-rate schedule and when the trainer steps it (Lightning's `lr_scheduler_config`).
public struct SchedulerConfiguration {
    public enum Interval: Sendable { case step, epoch }
    public var schedule: any LearningRateSchedule
    /// After each optimizer step, or at the end of each epoch (the default, as in Lightning).
    public var interval: Interval
    /// Step the schedule every `frequency` intervals.
    public var frequency: Int
    /// The name ``LearningRateMonitor`` logs the rate under (default `lr-<optimizer type>`).
    public var name: String?

    /// Set for a schedule driven by a logged value instead of the step count.
    public var plateau: PlateauReduction?

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
    public var monitor: String
    public var mode: MonitorMode
    public var factor: Float
    public var patience: Int
    public var minimumDelta: Float
    public var minimumRate: Float

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
    associatedtype Source: BatchSource
    /// Downloads or writes data: runs once, on rank 0 only.
    func prepareData() throws
    /// Loads what the stage needs: runs on every process.
    func setup(stage: Stage) throws
    func trainData() throws -> Source
    func validationData() throws -> Source?
    func testData() throws -> Source?
    func predictData() throws -> Source?
    func teardown(stage: Stage)
}

/// The stage a data module prepares for.
public enum Stage: Sendable { case fit, validate, test, predict }

extension DataModule {
    public func prepareData() throws {}
    public func setup(stage: Stage) throws {}
    public func validationData() throws -> Source? { nil }
    public func testData() throws -> Source? { nil }
    public func predictData() throws -> Source? { nil }
    public func teardown(stage: Stage) {}
}
