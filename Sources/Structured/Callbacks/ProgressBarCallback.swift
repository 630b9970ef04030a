import Events
import Foundation

/// Prints progress while training (rank 0): Events' ``ProgressBar`` draws it, so both frontends
/// show the same line. One redrawn line on a terminal, plain lines otherwise (ten per epoch), with
/// iterations per second, the time left in the epoch and every value logged with
/// `progressBar: true`, validation values included once logged.
///
/// ```swift
/// trainer.callbacks.append(ProgressBarCallback(terminal: false))
/// ```
public final class ProgressBarCallback: Callback {
    private let bar: ProgressBar

    /// - Parameters:
    ///   - terminal: force the terminal (true) or plain (false) form; nil asks `isatty`.
    ///   - write: where the text goes (standard output by default).
    public init(terminal: Bool? = nil, write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        bar = ProgressBar(terminal: terminal, write: write)
    }

    /// Starts timing the epoch.
    public func onTrainEpochStart(trainer: Trainer) { bar.startEpoch() }

    /// Shows the batch's progress and the values logged for the progress bar.
    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        guard trainer.isGlobalZero else { return }
        let position = ProgressBar.Position(epoch: trainer.currentEpoch + 1, maxEpochs: trainer.maxEpochs,
                                            done: batchIndex + 1, total: trainer.trainBatchesPerEpoch)
        // The values are gathered only for a line that is drawn.
        func values() -> [(String, Float)] { trainer.progressBarMetrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        position.done == position.total ? bar.finishEpoch(position, values: values()) : bar.show(position, values: values())
    }
}

extension ProgressBarCallback: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [.trainBatchEnd] }
}
