import Events
import TensorCore

/// Logs histograms of the module's weights and gradients to every logger that keeps them
/// (TensorBoard) at the end of each training epoch, through the same Events implementation as
/// ``MetricsLogger/attachHistograms(of:to:at:)``.
///
/// ```swift
/// let trainer = Trainer(maxEpochs: 3, callbacks: [ParameterHistogramCallback()])
/// trainer.loggers = [try TensorBoardLogger(root: "runs", name: "mnist")]
/// ```
public final class ParameterHistogramCallback: Callback {
    /// A callback logging every epoch.
    public init() {}

    /// Called at the end of each training epoch: logs the histograms at the global step.
    public func onTrainEpochEnd(trainer: Trainer) throws {
        guard let module = trainer.module else { return }
        for logger in trainer.activeLoggers { try logger.logParameterHistograms(of: module, step: trainer.globalStep) }
    }
}

extension ParameterHistogramCallback: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [] }
}
