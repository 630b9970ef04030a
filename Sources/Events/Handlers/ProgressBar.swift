import Foundation

/// Shows progress: on a terminal, one line redrawn in place with a bar, iterations per second,
/// the time left in the epoch and chosen values; otherwise (a log file, CI) a plain line every
/// `plainEvery` iterations and at the end of each epoch. Only rank 0 prints.
///
/// ```swift
/// ProgressBar(values: ["loss"]).attach(to: trainer)
/// ```
public final class ProgressBar {
    /// Keys of ``EngineState/metrics`` to show; the engine's output is shown as `output` when
    /// it is a number.
    public let values: [String]
    public let plainEvery: Int?
    private let isTerminal: Bool
    private let write: (String) -> Void
    private var epochStart: UInt64 = 0

    /// - Parameters:
    ///   - plainEvery: iterations between plain lines; nil means ten lines per epoch.
    ///   - terminal: force the terminal (true) or plain (false) form; nil asks `isatty`.
    ///   - write: where the text goes (standard output by default).
    public init(values: [String] = [], plainEvery: Int? = nil, terminal: Bool? = nil,
                write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        self.values = values
        self.plainEvery = plainEvery
        self.isTerminal = terminal ?? (isatty(STDOUT_FILENO) == 1)
        self.write = write
    }

    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> [HandlerRegistration] {
        [
            engine.on(.epochStarted) { _ in self.epochStart = DispatchTime.now().uptimeNanoseconds },
            engine.on(.iterationCompleted) { engine in
                guard engine.communicator.isMain else { return }
                let state = engine.state
                let every = self.plainEvery ?? max(1, state.epochLength / 10)
                if self.isTerminal {
                    self.write("\r" + self.line(engine, bar: true) + "\u{1B}[K")
                } else if state.iterationInEpoch % every == 0 && state.iterationInEpoch < state.epochLength {
                    self.write(self.line(engine, bar: false) + "\n")
                }
            },
            engine.on(.epochCompleted) { engine in
                guard engine.communicator.isMain else { return }
                self.write((self.isTerminal ? "\r" : "") + self.line(engine, bar: self.isTerminal) + (self.isTerminal ? "\u{1B}[K\n" : "\n"))
            },
        ]
    }

    func line<B, O>(_ engine: Engine<B, O>, bar: Bool) -> String {
        let state = engine.state
        let done = state.iterationInEpoch, total = state.epochLength
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        var text = "epoch \(state.epoch)/\(state.maxEpochs) "
        if bar {
            let width = 24, filled = total > 0 ? width * done / total : 0
            text += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        }
        text += "\(done)/\(total) " + String(format: "%.1f it/s, %@ left", rate, Self.duration(remaining))
        if let output = state.output as? Float { text += String(format: ", output %.4f", output) }
        for key in values { if let value = state.metrics[key] { text += String(format: ", %@ %.4f", key, value) } }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }
}
