import TensorCore

/// Behaviour added to a ``Trainer`` run: the module's hooks, seen from outside, with
/// do-nothing defaults. For each event the callbacks run before the module's hook, in list
/// order, except *monitoring* callbacks (checkpointing, early stopping), which run after the
/// module's epoch-end hooks, once the epoch's logged values are known (Lightning's rule).
public protocol Callback: AnyObject {
    /// Whether this callback reads logged values at epoch end (it then runs last).
    var isMonitoring: Bool { get }
    /// Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    func onFitStart(trainer: Trainer)
    /// Called once when `fit` ends normally, after training.
    func onFitEnd(trainer: Trainer)
    /// Called before the sanity check's validation batches (whose values are discarded).
    func onSanityCheckStart(trainer: Trainer)
    /// Called after the sanity check, before training starts.
    func onSanityCheckEnd(trainer: Trainer)
    /// Called when the training loop starts (also when it resumes).
    func onTrainStart(trainer: Trainer)
    /// Called when the training loop ends, after the last epoch.
    func onTrainEnd(trainer: Trainer)
    /// Called at the start of every training epoch, in training mode.
    func onTrainEpochStart(trainer: Trainer)
    /// Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    func onTrainEpochEnd(trainer: Trainer) throws
    /// Called before each training batch's step.
    func onTrainBatchStart(trainer: Trainer, batchIndex: Int)
    /// Called after each training batch: its step, backward and any optimizer step are done.
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws
    /// Called when a validation pass starts (within `fit`, or `validate`).
    func onValidationStart(trainer: Trainer)
    /// Called when a validation pass ends, after its epoch values are published.
    func onValidationEnd(trainer: Trainer) throws
    /// Called at the start of a validation pass's batches.
    func onValidationEpochStart(trainer: Trainer)
    /// Called after a validation pass's batches, before its epoch values are computed.
    func onValidationEpochEnd(trainer: Trainer)
    /// Called before each validation batch's step.
    func onValidationBatchStart(trainer: Trainer, batchIndex: Int)
    /// Called after each validation batch's step.
    func onValidationBatchEnd(trainer: Trainer, batchIndex: Int)
    /// Called when `test` starts.
    func onTestStart(trainer: Trainer)
    /// Called when `test` ends, after its epoch values are published.
    func onTestEnd(trainer: Trainer)
    /// Called at the start of the test batches.
    func onTestEpochStart(trainer: Trainer)
    /// Called after the test batches, before their epoch values are computed.
    func onTestEpochEnd(trainer: Trainer)
    /// Called before each test batch's step.
    func onTestBatchStart(trainer: Trainer, batchIndex: Int)
    /// Called after each test batch's step.
    func onTestBatchEnd(trainer: Trainer, batchIndex: Int)
    /// Called before backward, with the loss as scaled for gradient accumulation.
    func onBeforeBackward(trainer: Trainer, loss: Tensor)
    /// Called after backward, before gradients are synchronized across processes.
    func onAfterBackward(trainer: Trainer)
    /// Called before gradients are cleared at the start of an accumulation window.
    func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer)
    /// Called before the optimizer step, after gradients are synchronized and before clipping.
    func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer)
    /// Adds this callback's state to a checkpoint being saved.
    func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String])
    /// Restores this callback's state from a checkpoint.
    func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) throws
    /// Called when a step or hook throws, before the error propagates.
    func onException(trainer: Trainer, error: Error)
}

extension Callback {
    /// Not monitoring by default: the callback runs before the module's hooks.
    public var isMonitoring: Bool { false }
    /// Does nothing; override it to act here. Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    public func onFitStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called once when `fit` ends normally, after training.
    public func onFitEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called before the sanity check's validation batches (whose values are discarded).
    public func onSanityCheckStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called after the sanity check, before training starts.
    public func onSanityCheckEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called when the training loop starts (also when it resumes).
    public func onTrainStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called when the training loop ends, after the last epoch.
    public func onTrainEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called at the start of every training epoch, in training mode.
    public func onTrainEpochStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    public func onTrainEpochEnd(trainer: Trainer) throws {}
    /// Does nothing; override it to act here. Called before each training batch's step.
    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each training batch: its step, backward and any optimizer step are done.
    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {}
    /// Does nothing; override it to act here. Called when a validation pass starts (within `fit`, or `validate`).
    public func onValidationStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called when a validation pass ends, after its epoch values are published.
    public func onValidationEnd(trainer: Trainer) throws {}
    /// Does nothing; override it to act here. Called at the start of a validation pass's batches.
    public func onValidationEpochStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called after a validation pass's batches, before its epoch values are computed.
    public func onValidationEpochEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called before each validation batch's step.
    public func onValidationBatchStart(trainer: Trainer, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each validation batch's step.
    public func onValidationBatchEnd(trainer: Trainer, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called when `test` starts.
    public func onTestStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called when `test` ends, after its epoch values are published.
    public func onTestEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called at the start of the test batches.
    public func onTestEpochStart(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called after the test batches, before their epoch values are computed.
    public func onTestEpochEnd(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called before each test batch's step.
    public func onTestBatchStart(trainer: Trainer, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each test batch's step.
    public func onTestBatchEnd(trainer: Trainer, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called before backward, with the loss as scaled for gradient accumulation.
    public func onBeforeBackward(trainer: Trainer, loss: Tensor) {}
    /// Does nothing; override it to act here. Called after backward, before gradients are synchronized across processes.
    public func onAfterBackward(trainer: Trainer) {}
    /// Does nothing; override it to act here. Called before gradients are cleared at the start of an accumulation window.
    public func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Called before the optimizer step, after gradients are synchronized and before clipping.
    public func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Adds state to a checkpoint being saved.
    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {}
    /// Does nothing; override it to act here. Restores state from a checkpoint being resumed.
    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) throws {}
    /// Does nothing; override it to act here. Called when a step or hook throws, before the error propagates.
    public func onException(trainer: Trainer, error: Error) {}
}
