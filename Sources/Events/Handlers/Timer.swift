import Foundation

/// Measures time between events: started at `start`, paused at `pause`, with `step` marking the
/// units to average over (Ignite's `Timer`).
///
/// ```swift
/// let timer = EngineTimer(averagePerStep: true)
/// timer.attach(to: trainer, start: .epochStarted, pause: .epochCompleted, step: .iterationCompleted)
/// print(timer.value)   // seconds per iteration
/// ```
public final class EngineTimer {
    /// Whether ``value`` is per step rather than in total.
    public let averagePerStep: Bool
    private var total = 0.0
    private var runningSince: UInt64?
    private var steps = 0

    /// A stopped timer at zero.
    public init(averagePerStep: Bool = false) { self.averagePerStep = averagePerStep }

    /// Seconds measured (per step when averaging).
    public var value: Double {
        let elapsed = total + (runningSince.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e9 } ?? 0)
        return averagePerStep ? elapsed / Double(max(steps, 1)) : elapsed
    }

    /// Back to zero, stopped.
    public func reset() { total = 0; steps = 0; runningSince = nil }

    /// Starts (from zero) at `start`, pauses at `pause`, and counts a step at each `step`.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, start: Trigger = .started, pause: Trigger = .completed,
                             step: Trigger? = nil) -> [HandlerRegistration] {
        var registrations = [
            engine.on(start) { _ in self.reset(); self.runningSince = DispatchTime.now().uptimeNanoseconds },
            engine.on(pause) { _ in
                if let since = self.runningSince { self.total += Double(DispatchTime.now().uptimeNanoseconds - since) / 1e9 }
                self.runningSince = nil
            },
        ]
        if let step { registrations.append(engine.on(step) { _ in self.steps += 1 }) }
        return registrations
    }
}
