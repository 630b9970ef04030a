import Events
import Foundation
import TensorCore

/// Logs the learning rate (Lightning's `LearningRateMonitor`) as `lr-<Optimizer>` (or the
/// scheduler's name) every step or every epoch (by default, the scheduler's own interval),
/// recording through Events' ``LearningRateLogger``.
public final class LearningRateMonitor: Callback {
    /// When the rate is recorded.
    public enum Interval: Sendable { case step, epoch }
    /// When the rate is recorded; nil follows the schedule's own interval.
    public let interval: Interval?

    /// A monitor recording at `interval`.
    public init(interval: Interval? = nil) { self.interval = interval }

    private func key(_ trainer: Trainer) -> String {
        trainer.schedulerConfiguration?.name ?? trainer.optimizer.map(LearningRateLogger.defaultKey(for:)) ?? "lr-optimizer"
    }

    private var effectiveInterval: (Trainer) -> Interval {
        { trainer in self.interval ?? (trainer.schedulerConfiguration?.interval == .step ? .step : .epoch) }
    }

    /// Called before each training batch's step.
    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) {
        guard effectiveInterval(trainer) == .step, let rate = trainer.optimizer?.learningRate else { return }
        record(trainer, rate)
    }

    /// Called at the start of every training epoch, in training mode.
    public func onTrainEpochStart(trainer: Trainer) {
        guard effectiveInterval(trainer) == .epoch, let rate = trainer.optimizer?.learningRate else { return }
        record(trainer, rate)
    }

    private func record(_ trainer: Trainer, _ rate: Float) {
        LearningRateLogger.record(rate, key: key(trainer), step: trainer.globalStep, into: &trainer.callbackMetrics,
                                  loggers: trainer.activeLoggers, isMain: trainer.isGlobalZero)
    }
}
