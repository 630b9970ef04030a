import Events

/// Stops training once `duration` seconds have passed (Lightning's `Timer`), and reports the
/// time spent; the clock is Events' ``TimeBudget``, as `Trainer.maxTime` and ``TimeLimit``.
///
/// ```swift
/// trainer.callbacks.append(TimerCallback(duration: 3600))
/// ```
public final class TimerCallback: Callback {
    /// The budget in seconds; nil only measures.
    public var duration: Double? { budget.seconds }
    private var budget: TimeBudget
    /// Seconds of training so far (the whole run once it ended).
    public private(set) var elapsed = 0.0

    /// A timer stopping after `duration` seconds (nil: measure only).
    public init(duration: Double? = nil) { budget = TimeBudget(seconds: duration) }

    /// Starts the clock.
    public func onTrainStart(trainer: Trainer) { budget.start() }

    /// Stops training after the batch that used the budget up.
    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        elapsed = budget.elapsed
        if budget.isSpent { trainer.shouldStop = true }
    }

    /// Records the run's time.
    public func onTrainEnd(trainer: Trainer) { elapsed = budget.elapsed }
}

extension TimerCallback: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [.trainBatchEnd] }
}
