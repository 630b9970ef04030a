import Foundation

/// Terminates the run as soon as an output is NaN or infinite (attach it to a trainer), saying
/// which value and where on standard error, as Ignite's handler warns.
///
/// ```swift
/// let guardRail = TerminateOnNaN()
/// guardRail.attach(to: trainer)
/// try trainer.run(loader, maxEpochs: 10)
/// if let message = guardRail.message { print(message) }   // the run did not finish
/// ```
public final class TerminateOnNaN {
    /// What stopped the run, or nil while every output was finite.
    public private(set) var message: String?

    /// A handler that prints its message on standard error when it stops a run.
    public init() {}

    /// For engines whose output is a number (a loss).
    @discardableResult
    public func attach<B>(to engine: Engine<B, Float>) -> HandlerRegistration {
        attach(to: engine) { $0 }
    }

    /// For other outputs: `value` extracts the number to check.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, value: @escaping (O) -> Float) -> HandlerRegistration {
        engine.on(.iterationCompleted, named: "TerminateOnNaN") { [self] engine in
            guard let output = engine.state.output else { return }
            let number = value(output)
            guard !number.isFinite else { return }
            let text = "TerminateOnNaN: the output \(number) at iteration \(engine.state.iteration) (epoch \(engine.state.epoch)) is not finite; terminating the run"
            message = text
            if engine.communicator.isMain { FileHandle.standardError.write(Data((text + "\n").utf8)) }
            engine.terminate()
        }
    }
}
