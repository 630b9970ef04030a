import TensorCore

/// Behaviour added to a ``Trainer`` run: the module's hooks, seen from outside, with
/// do-nothing defaults. For each event the callbacks run before the module's hook, in list
/// order, except *monitoring* callbacks (checkpointing, early stopping), which run after the
/// module's epoch-end hooks, once the epoch's logged values are known (Lightning's rule).
public protocol Callback: AnyObject {
    /// Whether this callback reads logged values at epoch end (it then runs last).
    var isMonitoring: Bool { get }
    func onFitStart(trainer: Trainer)
    func onFitEnd(trainer: Trainer)
    func onSanityCheckStart(trainer: Trainer)
    func onSanityCheckEnd(trainer: Trainer)
    func onTrainStart(trainer: Trainer)
    func onTrainEnd(trainer: Trainer)
    func onTrainEpochStart(trainer: Trainer)
    func onTrainEpochEnd(trainer: Trainer) throws
    func onTrainBatchStart(trainer: Trainer, batchIndex: Int)
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws
    func onValidationStart(trainer: Trainer)
    func onValidationEnd(trainer: Trainer) throws
    func onValidationEpochStart(trainer: Trainer)
    func onValidationEpochEnd(trainer: Trainer)
    func onValidationBatchStart(trainer: Trainer, batchIndex: Int)
    func onValidationBatchEnd(trainer: Trainer, batchIndex: Int)
    func onTestStart(trainer: Trainer)
    func onTestEnd(trainer: Trainer)
    func onTestEpochStart(trainer: Trainer)
    func onTestEpochEnd(trainer: Trainer)
    func onTestBatchStart(trainer: Trainer, batchIndex: Int)
    func onTestBatchEnd(trainer: Trainer, batchIndex: Int)
    func onBeforeBackward(trainer: Trainer, loss: Tensor)
    func onAfterBackward(trainer: Trainer)
    func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer)
    func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer)
    /// Adds this callback's state to a checkpoint being saved.
    func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String])
    /// Restores this callback's state from a checkpoint.
    func onLoadCheckpoint(trainer: Trainer, entries: [String: String])
    func onException(trainer: Trainer, error: Error)
}

extension Callback {
    public var isMonitoring: Bool { false }
    public func onFitStart(trainer: Trainer) {}
    public func onFitEnd(trainer: Trainer) {}
    public func onSanityCheckStart(trainer: Trainer) {}
    public func onSanityCheckEnd(trainer: Trainer) {}
    public func onTrainStart(trainer: Trainer) {}
    public func onTrainEnd(trainer: Trainer) {}
    public func onTrainEpochStart(trainer: Trainer) {}
    public func onTrainEpochEnd(trainer: Trainer) throws {}
    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) {}
    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {}
    public func onValidationStart(trainer: Trainer) {}
    public func onValidationEnd(trainer: Trainer) throws {}
    public func onValidationEpochStart(trainer: Trainer) {}
    public func onValidationEpochEnd(trainer: Trainer) {}
    public func onValidationBatchStart(trainer: Trainer, batchIndex: Int) {}
    public func onValidationBatchEnd(trainer: Trainer, batchIndex: Int) {}
    public func onTestStart(trainer: Trainer) {}
    public func onTestEnd(trainer: Trainer) {}
    public func onTestEpochStart(trainer: Trainer) {}
    public func onTestEpochEnd(trainer: Trainer) {}
    public func onTestBatchStart(trainer: Trainer, batchIndex: Int) {}
    public func onTestBatchEnd(trainer: Trainer, batchIndex: Int) {}
    public func onBeforeBackward(trainer: Trainer, loss: Tensor) {}
    public func onAfterBackward(trainer: Trainer) {}
    public func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer) {}
    public func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer) {}
    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {}
    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) {}
    public func onException(trainer: Trainer, error: Error) {}
}
