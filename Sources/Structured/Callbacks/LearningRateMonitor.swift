import Events
import Foundation
import TensorCore

/// Logs each optimizer's learning rate (Lightning's `LearningRateMonitor`) as `lr-<Optimizer>`
/// (`lr-Adam-1` for a second Adam, or the scheduler's name) every step or every epoch (by
/// default, each scheduler's own interval), recording through Events' ``LearningRateLogger``.
public final class LearningRateMonitor: Callback {
    /// When the rate is recorded.
    public enum Interval: Sendable { case step, epoch }
    /// When the rate is recorded; nil follows the schedule's own interval.
    public let interval: Interval?

    /// A monitor recording at `interval`.
    public init(interval: Interval? = nil) { self.interval = interval }

    /// Each optimizer's key: its schedule's name, or `lr-<Optimizer>` with `-1`, `-2`... for
    /// later optimizers of the same type (Lightning's names).
    private func keys(_ trainer: Trainer) -> [String] {
        var seen: [String: Int] = [:]
        return trainer.optimizers.enumerated().map { index, optimizer in
            let configured = trainer.schedulerConfigurations.indices.contains(index) ? trainer.schedulerConfigurations[index]?.name : nil
            let base = LearningRateLogger.defaultKey(for: optimizer)
            defer { seen[base, default: 0] += 1 }
            return configured ?? (seen[base].map { "\(base)-\($0)" } ?? base)
        }
    }

    private func interval(_ trainer: Trainer, optimizer index: Int) -> Interval {
        let configured = trainer.schedulerConfigurations.indices.contains(index) ? trainer.schedulerConfigurations[index] : nil
        return interval ?? (configured?.interval == .step ? .step : .epoch)
    }

    /// Called before each training batch's step.
    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) { record(trainer, at: .step) }

    /// Called at the start of every training epoch, in training mode.
    public func onTrainEpochStart(trainer: Trainer) { record(trainer, at: .epoch) }

    private func record(_ trainer: Trainer, at moment: Interval) {
        for (index, key) in keys(trainer).enumerated() where interval(trainer, optimizer: index) == moment {
            trainer.publisher.record(key, trainer.optimizers[index].learningRate, step: trainer.globalStep)
        }
    }
}

extension LearningRateMonitor: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [.trainBatchStart] }
}
