import TensorCore

/// The points inside ``OptimizationStep`` where a frontend adds behaviour: the Structured
/// frontend runs its module's and callbacks' hooks here. Every requirement has a do-nothing
/// default.
///
/// ```swift
/// final class Printer: OptimizationHooks {
///     func beforeOptimizerStep(_ optimizer: any Optimizer) { print("stepping at", optimizer.learningRate) }
/// }
/// step.hooks = Printer()
/// ```
public protocol OptimizationHooks: AnyObject {
    /// Before gradients are cleared at the start of an accumulation window.
    func beforeZeroGrad(_ optimizer: any Optimizer)
    /// Before backward, with the loss as scaled for accumulation.
    func beforeBackward(_ loss: Tensor)
    /// After backward, before any synchronization.
    func afterBackward()
    /// After gradients are synchronized across processes, before clipping and the update.
    func beforeOptimizerStep(_ optimizer: any Optimizer)
    /// After the update (schedules stepped per optimizer step go here).
    func afterOptimizerStep(_ optimizer: any Optimizer) throws
}

extension OptimizationHooks {
    /// Does nothing.
    public func beforeZeroGrad(_ optimizer: any Optimizer) {}
    /// Does nothing.
    public func beforeBackward(_ loss: Tensor) {}
    /// Does nothing.
    public func afterBackward() {}
    /// Does nothing.
    public func beforeOptimizerStep(_ optimizer: any Optimizer) {}
    /// Does nothing.
    public func afterOptimizerStep(_ optimizer: any Optimizer) throws {}
}
