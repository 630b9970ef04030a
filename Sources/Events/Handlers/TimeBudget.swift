import Foundation

/// A wall-clock budget: started once, then asked whether it is spent. The one time rule of
/// both frontends (Events' ``TimeLimit``, Structured's `TimerCallback` and `Trainer.maxTime`).
///
/// ```swift
/// var budget = TimeBudget(seconds: 3600)
/// budget.start()
/// if budget.isSpent { trainer.terminate() }
/// ```
public struct TimeBudget: Sendable {
    /// The budget; nil measures without a limit.
    public let seconds: Double?
    private var startedAt: UInt64?

    /// A budget of `seconds` (nil: no limit).
    public init(seconds: Double?) {
        precondition(seconds.map { $0 > 0 && $0.isFinite } ?? true, "TimeBudget: seconds must be positive and finite")
        self.seconds = seconds
    }

    /// Starts the clock (again).
    public mutating func start() { startedAt = DispatchTime.now().uptimeNanoseconds }

    /// Seconds since ``start()`` (0 before it).
    public var elapsed: Double {
        startedAt.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e9 } ?? 0
    }

    /// Whether the clock runs and the budget is used up.
    public var isSpent: Bool {
        guard let seconds, startedAt != nil else { return false }
        return elapsed >= seconds
    }
}

/// Terminates a run once `seconds` have passed since it started, after the batch that used the
/// time up (Ignite's `TimeLimit`).
///
/// ```swift
/// TimeLimit(seconds: 3600).attach(to: trainer)
/// ```
public final class TimeLimit {
    /// The clock; `budget.elapsed` is the run's time so far.
    public private(set) var budget: TimeBudget

    /// A limit of `seconds`.
    public init(seconds: Double) { budget = TimeBudget(seconds: seconds) }

    /// Starts the clock when `engine` starts and checks it after every iteration.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> [HandlerRegistration] {
        [
            engine.on(.started, named: "TimeLimit") { _ in self.budget.start() },
            engine.on(.iterationCompleted, named: "TimeLimit") { engine in if self.budget.isSpent { engine.terminate() } },
        ]
    }
}
