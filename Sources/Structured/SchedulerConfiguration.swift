import Events
import Metrics
import TensorCore

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
