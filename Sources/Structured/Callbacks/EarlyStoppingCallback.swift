import Events
import Metrics

/// Stops training when a monitored value stops improving (Lightning's `EarlyStopping`): after
/// `patience` checks without an improvement of more than `minDelta`, when the value reaches
/// `stoppingThreshold`, or when it is not finite. Checks after each validation, or at the end of
/// each training epoch when there is no validation data.
///
/// ```swift
/// trainer.callbacks.append(EarlyStoppingCallback(monitor: "val_loss", patience: 3))
/// ```
public final class EarlyStoppingCallback: Callback {
    public enum StoppingReason: Sendable, Equatable { case notStopped, patienceExhausted, stoppingThreshold, nonFiniteMetric }
    public let monitor: String
    public let patience: Int
    public let minDelta: Float
    public let mode: MonitorMode
    public let stoppingThreshold: Float?
    public let checkFinite: Bool
    public var isMonitoring: Bool { true }
    private var tracker: PatienceTracker
    public private(set) var stoppedEpoch: Int?
    public private(set) var stoppingReason = StoppingReason.notStopped

    public init(monitor: String, patience: Int = 3, minDelta: Float = 0, mode: MonitorMode = .min, stoppingThreshold: Float? = nil, checkFinite: Bool = true) {
        precondition(patience >= 1, "EarlyStoppingCallback: patience must be at least 1")
        precondition(minDelta >= 0, "EarlyStoppingCallback: minDelta must be >= 0")
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.mode = mode
        self.stoppingThreshold = stoppingThreshold
        self.checkFinite = checkFinite
        tracker = PatienceTracker(mode: mode, patience: patience, minimumDelta: minDelta)
    }

    /// The best value so far.
    public var best: Float? { tracker.best }
    /// Checks since the last improvement.
    public var waitCount: Int { tracker.waitCount }

    public func onValidationEnd(trainer: Trainer) throws {
        guard !trainer.isSanityChecking, trainer.module != nil, trainer.optimizer != nil else { return }
        try check(trainer)
    }

    public func onTrainEpochEnd(trainer: Trainer) throws {
        guard !trainer.hasValidationData else { return }
        try check(trainer)
    }

    func check(_ trainer: Trainer) throws {
        guard let value = trainer.callbackMetrics[monitor] else {
            throw TrainerError.monitoredMetricMissing(callback: "EarlyStoppingCallback", monitor: monitor, available: Array(trainer.callbackMetrics.keys))
        }
        if checkFinite && !value.isFinite {
            stop(trainer, .nonFiniteMetric)
            return
        }
        if let stoppingThreshold, mode.isImprovement(value, over: stoppingThreshold) {
            stop(trainer, .stoppingThreshold)
            return
        }
        if tracker.observe(value) { stop(trainer, .patienceExhausted) }
    }

    private func stop(_ trainer: Trainer, _ reason: StoppingReason) {
        trainer.shouldStop = true
        stoppedEpoch = trainer.currentEpoch
        stoppingReason = reason
    }

    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {
        entries["early_stopping.wait"] = String(waitCount)
        if let best { entries["early_stopping.best"] = String(best) }
    }

    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) {
        tracker.restore(best: entries["early_stopping.best"].flatMap(Float.init),
                        waitCount: entries["early_stopping.wait"].flatMap(Int.init) ?? 0)
    }
}
