import Events
import Metrics
import TensorCore

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
