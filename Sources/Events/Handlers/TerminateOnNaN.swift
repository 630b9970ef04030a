/// Terminates the run as soon as an output is NaN or infinite (attach it to a trainer).
///
/// ```swift
/// TerminateOnNaN().attach(to: trainer)
/// ```
public struct TerminateOnNaN {
    public init() {}

    /// For engines whose output is a number (a loss).
    @discardableResult
    public func attach<B>(to engine: Engine<B, Float>) -> HandlerRegistration {
        attach(to: engine) { $0 }
    }

    /// For other outputs: `value` extracts the number to check.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, value: @escaping (O) -> Float) -> HandlerRegistration {
        engine.on(.iterationCompleted) { engine in
            guard let output = engine.state.output, !value(output).isFinite else { return }
            engine.terminate()
        }
    }
}
