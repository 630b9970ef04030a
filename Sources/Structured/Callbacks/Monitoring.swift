import Foundation
import TensorCore

/// Logs the learning rate (Lightning's `LearningRateMonitor`) as `lr-<Optimizer>` (or the
/// scheduler's name) every step or every epoch (by default, the scheduler's own interval).
public final class LearningRateMonitor: Callback {
    public enum Interval: Sendable { case step, epoch }
    public let interval: Interval?

    public init(interval: Interval? = nil) { self.interval = interval }

    private func key(_ trainer: Trainer) -> String {
        trainer.schedulerConfiguration?.name ?? "lr-\(trainer.optimizer.map { String(describing: type(of: $0)) } ?? "optimizer")"
    }

    private var effectiveInterval: (Trainer) -> Interval {
        { trainer in self.interval ?? (trainer.schedulerConfiguration?.interval == .step ? .step : .epoch) }
    }

    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) {
        guard effectiveInterval(trainer) == .step, let rate = trainer.optimizer?.learningRate else { return }
        record(trainer, rate)
    }

    public func onTrainEpochStart(trainer: Trainer) {
        guard effectiveInterval(trainer) == .epoch, let rate = trainer.optimizer?.learningRate else { return }
        record(trainer, rate)
    }

    private func record(_ trainer: Trainer, _ rate: Float) {
        let name = key(trainer)
        trainer.callbackMetrics[name] = rate
        guard trainer.isGlobalZero else { return }
        for logger in trainer.activeLoggers { try? logger.log([name: rate], step: trainer.globalStep) }
    }
}

/// Prints progress while training: one redrawn line on a terminal, plain lines otherwise
/// (every tenth of an epoch and at its end), with iterations per second, the time left in the
/// epoch and the values logged with `progressBar: true`. Rank 0 only.
public final class ProgressBarCallback: Callback {
    private let isTerminal: Bool
    private let write: (String) -> Void
    private var epochStart: UInt64 = 0

    public init(terminal: Bool? = nil, write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        isTerminal = terminal ?? (isatty(STDOUT_FILENO) == 1)
        self.write = write
    }

    public func onTrainEpochStart(trainer: Trainer) { epochStart = DispatchTime.now().uptimeNanoseconds }

    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        guard trainer.isGlobalZero else { return }
        let done = batchIndex + 1, total = trainer.trainBatchesPerEpoch
        if isTerminal {
            write("\r" + line(trainer, done: done, total: total) + "\u{1B}[K" + (done == total ? "\n" : ""))
        } else if done % Swift.max(1, total / 10) == 0 || done == total {
            write(line(trainer, done: done, total: total) + "\n")
        }
    }

    func line(_ trainer: Trainer, done: Int, total: Int) -> String {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var text = "epoch \(trainer.currentEpoch) \(done)/\(total) " + String(format: "%.1f it/s, %.0fs left", rate, rate > 0 ? Double(total - done) / rate : 0)
        for key in trainer.progressBarMetrics.keys.sorted() { text += String(format: ", %@ %.4f", key, trainer.progressBarMetrics[key]!) }
        return text
    }
}

/// Prints the model's layers at the start of `fit`: each child with its type, parameter shapes
/// and parameter count, then the totals.
public final class ModelSummary: Callback {
    private let write: (String) -> Void

    public init(write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) { self.write = write }

    public func onFitStart(trainer: Trainer) {
        guard trainer.isGlobalZero, let module = trainer.module else { return }
        write(Self.render(module))
    }

    /// The summary table of `module`.
    public static func render(_ module: any Module) -> String {
        var rows: [(String, String, String, Int)] = []
        func visit(_ module: any Module, prefix: String) {
            let children = module.children
            if children.isEmpty || !module.ownParameters.isEmpty {
                let shapes = module.ownParameters.map { "\($0.1.shape)" }.joined(separator: " ")
                let count = module.ownParameters.reduce(0) { $0 + $1.1.scalarCount }
                if !prefix.isEmpty || count > 0 { rows.append((prefix.isEmpty ? "(self)" : prefix, String(describing: type(of: module)), shapes, count)) }
            }
            for (name, child) in children { visit(child, prefix: prefix.isEmpty ? name : "\(prefix).\(name)") }
        }
        visit(module, prefix: "")
        let nameWidth = max(4, rows.map(\.0.count).max() ?? 0), typeWidth = max(4, rows.map(\.1.count).max() ?? 0)
        var text = "Name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + "Type".padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "  Params  Shapes\n"
        for (name, type, shapes, count) in rows {
            text += name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  " + type.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
                + "  " + String(count).padding(toLength: 6, withPad: " ", startingAt: 0) + "  " + shapes + "\n"
        }
        text += "\(module.parameterCount) trainable parameters (\(String(format: "%.2f", Double(module.parameterCount * 4) / 1e6)) MB as Float32)\n"
        return text
    }
}

/// Stops training once `duration` seconds have passed (Lightning's `Timer`), and reports the
/// time spent.
public final class TimerCallback: Callback {
    public let duration: Double?
    private var start: UInt64?
    public private(set) var elapsed = 0.0

    public init(duration: Double? = nil) { self.duration = duration }

    public func onTrainStart(trainer: Trainer) { start = DispatchTime.now().uptimeNanoseconds }

    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        guard let start else { return }
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if let duration, elapsed >= duration { trainer.shouldStop = true }
    }

    public func onTrainEnd(trainer: Trainer) {
        if let start { elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    }
}
