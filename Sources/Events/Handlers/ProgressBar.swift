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
    /// Batches between plain lines (nil: ten lines per epoch).
    public let plainEvery: Int?
    /// Seconds between redraws on a terminal (tqdm's `mininterval`): a small model runs
    /// thousands of batches a second, and redrawing after each cost a write and the formatting
    /// of a line every batch. The epoch's last line is always drawn.
    public var redrawInterval: Double = 0.1
    private let isTerminal: Bool
    private let write: (String) -> Void
    private var epochStart: UInt64 = 0
    private var lastRedraw: UInt64?

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

    /// Shows `engine`'s progress: timing starts with each epoch, a line after each iteration and at each epoch's end.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> [HandlerRegistration] {
        [
            engine.on(.epochStarted, named: "ProgressBar") { _ in self.startEpoch() },
            engine.on(.iterationCompleted, named: "ProgressBar") { engine in
                guard engine.communicator.isMain else { return }
                self.show(Self.position(engine), values: self.values(engine))
            },
            engine.on(.epochCompleted, named: "ProgressBar") { engine in
                guard engine.communicator.isMain else { return }
                self.finishEpoch(Self.position(engine), values: self.values(engine))
            },
        ]
    }

    /// Where a run stands, as the progress line shows it.
    public struct Position: Sendable {
        /// The epoch, 1-based, and the epochs planned (nil: open-ended).
        public var epoch: Int, maxEpochs: Int?
        /// Batches done in the epoch, of `total`.
        public var done: Int, total: Int

        /// A position; see the properties.
        public init(epoch: Int, maxEpochs: Int?, done: Int, total: Int) {
            self.epoch = epoch
            self.maxEpochs = maxEpochs
            self.done = done
            self.total = total
        }
    }

    private static func position<B, O>(_ engine: Engine<B, O>) -> Position {
        Position(epoch: engine.state.epoch, maxEpochs: engine.state.maxEpochs, done: engine.state.iterationInEpoch, total: engine.state.epochLength)
    }

    private func values<B, O>(_ engine: Engine<B, O>) -> [(String, Float)] {
        var shown: [(String, Float)] = []
        if let output = engine.state.output as? Float { shown.append(("output", output)) }
        for key in values { if let value = engine.state.metrics[key] { shown.append((key, value)) } }
        return shown
    }

    // MARK: Drawing (shared with the Structured frontend's progress bar callback)

    /// Starts timing an epoch (iterations per second and time left count from here).
    public func startEpoch() {
        epochStart = DispatchTime.now().uptimeNanoseconds
        lastRedraw = nil
    }

    /// Shows `position` after a batch: redrawn on a terminal, a plain line every `plainEvery`
    /// batches (ten per epoch by default) otherwise.
    /// `values` are gathered only when a line is drawn.
    public func show(_ position: Position, values: @autoclosure () -> [(String, Float)]) {
        let every = plainEvery ?? max(1, position.total / 10)
        if isTerminal {
            let now = DispatchTime.now().uptimeNanoseconds
            if let lastRedraw, Double(now - lastRedraw) < redrawInterval * 1e9 { return }
            lastRedraw = now
            write("\r" + line(position, values: values(), bar: true) + "\u{1B}[K")
        } else if position.done % every == 0 && position.done < position.total {
            write(line(position, values: values(), bar: false) + "\n")
        }
    }

    /// Shows the final line of an epoch.
    public func finishEpoch(_ position: Position, values: [(String, Float)]) {
        write((isTerminal ? "\r" : "") + line(position, values: values, bar: isTerminal) + (isTerminal ? "\u{1B}[K\n" : "\n"))
    }

    func line(_ position: Position, values: [(String, Float)], bar: Bool) -> String {
        let done = position.done, total = position.total
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        var text = "epoch \(position.epoch)" + (position.maxEpochs.map { "/\($0)" } ?? "") + " "
        if bar {
            let width = 24, filled = total > 0 ? width * done / total : 0
            text += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
        }
        text += "\(done)/\(total) \(Self.fixed(rate, decimals: 1)) it/s, \(Self.duration(remaining)) left"
        for (key, value) in values { text += ", \(key) \(Self.fixed(Double(value), decimals: 4))" }
        return text
    }

    /// `seconds` rounded to whole seconds, as `42s` or `2m05s`.
    package static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let secondsPart = whole % 60
        return whole >= 60 ? "\(whole / 60)m\(secondsPart < 10 ? "0" : "")\(secondsPart)s" : "\(whole)s"
    }

    /// `value` with `decimals` digits after the point, as `String(format: "%.4f")` writes it
    /// (halves to even). Foundation's formatting took 300k instructions for a line of three
    /// numbers: more than a small model's training batch.
    package static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        // Up to 9 decimals the scaled value and the divisor fit the integer arithmetic below.
        guard (0...9).contains(decimals) else { return String(format: "%.\(decimals)f", value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded(.toNearestOrEven)
        guard scaled < 1e15 else { return String(format: "%.\(decimals)f", value) }
        let units = UInt64(scaled), divisor = UInt64(scale)
        let fraction = String(units % divisor)
        let sign = value.sign == .minus ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(units)" }
        return "\(sign)\(units / divisor)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
