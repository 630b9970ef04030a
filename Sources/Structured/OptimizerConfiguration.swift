import Events
import Metrics
import TensorCore

/// What ``TrainingModule/configureOptimizers()`` returns: one optimizer, or several (a GAN's
/// generator and discriminator), each optionally with a learning-rate schedule and how it is
/// stepped.
///
/// Several optimizers need manual optimization, as in Lightning 2: the training step takes them
/// from ``TrainingModule/optimizers`` and steps each itself. The trainer still advances their
/// schedules, each by its own interval (in manual optimization a training batch is one step).
///
/// ```swift
/// func configureOptimizers() -> OptimizerConfiguration? {
///     OptimizerConfiguration([Adam(for: generator, learningRate: 2e-4, beta1: 0.5),
///                             Adam(for: discriminator, learningRate: 2e-4, beta1: 0.5)])
/// }
/// ```
public struct OptimizerConfiguration {
    /// Each optimizer with its schedule, in the order ``TrainingModule/optimizers`` lists them.
    public var entries: [(optimizer: any Optimizer, scheduler: SchedulerConfiguration?)]

    /// The first (usually the only) optimizer.
    public var optimizer: any Optimizer { entries[0].optimizer }

    /// The first optimizer's schedule, if any.
    public var scheduler: SchedulerConfiguration? { entries[0].scheduler }

    /// An optimizer with an optional schedule.
    public init(_ optimizer: any Optimizer, scheduler: SchedulerConfiguration? = nil) {
        entries = [(optimizer, scheduler)]
    }

    /// Several optimizers (for manual optimization), `schedulers[i]` going with `optimizers[i]`;
    /// `schedulers` may be shorter, or empty for none.
    public init(_ optimizers: [any Optimizer], schedulers: [SchedulerConfiguration?] = []) {
        precondition(!optimizers.isEmpty, "OptimizerConfiguration: needs at least one optimizer")
        precondition(schedulers.count <= optimizers.count,
                     "OptimizerConfiguration: \(schedulers.count) schedulers for \(optimizers.count) optimizers")
        entries = optimizers.enumerated().map { index, optimizer in (optimizer, index < schedulers.count ? schedulers[index] : nil) }
    }
}
