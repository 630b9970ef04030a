import Events
import Foundation
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
    /// The logged value watched.
    public let monitor: String
    /// The decision, shared with Events' ``EarlyStopping``.
    public private(set) var rule: EarlyStoppingRule
    /// Whether this callback reads logged values at epoch end (it does).
    public var isMonitoring: Bool { true }
    /// The epoch training stopped in, if this callback stopped it.
    public private(set) var stoppedEpoch: Int?
    /// Why training stopped, if this callback stopped it (the shared rule's reason).
    public private(set) var stoppingReason: EarlyStoppingRule.Reason?

    /// A callback watching `monitor`; the settings are ``EarlyStoppingRule``'s.
    public init(monitor: String, patience: Int = 3, minDelta: Float = 0, mode: MonitorMode = .min, stoppingThreshold: Float? = nil, checkFinite: Bool = true) {
        self.monitor = monitor
        rule = EarlyStoppingRule(mode: mode, patience: patience, minimumDelta: minDelta, stoppingThreshold: stoppingThreshold, checkFinite: checkFinite)
    }

    /// The best value so far.
    public var best: Float? { rule.best }
    /// Checks since the last improvement.
    public var waitCount: Int { rule.waitCount }

    /// Checks after each validation (not the sanity check).
    public func onValidationEnd(trainer: Trainer) throws {
        guard !trainer.isSanityChecking, trainer.module != nil, trainer.optimizer != nil else { return }
        try check(trainer)
    }

    /// Checks at the end of each training epoch when there is no validation data.
    public func onTrainEpochEnd(trainer: Trainer) throws {
        guard !trainer.hasValidationData else { return }
        try check(trainer)
    }

    func check(_ trainer: Trainer) throws {
        guard let value = trainer.callbackMetrics[monitor] else {
            throw TrainerError.monitoredMetricMissing(callback: "EarlyStoppingCallback", monitor: monitor, available: Array(trainer.callbackMetrics.keys))
        }
        guard let reason = rule.observe(value) else { return }
        trainer.shouldStop = true
        stoppedEpoch = trainer.currentEpoch
        stoppingReason = reason
    }

    /// Saves the rule's position.
    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {
        entries.store(rule.state, under: "early_stopping.\(monitor)")
    }

    /// Restores the rule's position.
    /// - Throws: ``CheckpointError`` when the stored state is malformed or of another layout version.
    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) throws {
        guard let state = try entries.component(EarlyStoppingRule.State.self, under: "early_stopping.\(monitor)") else { return }
        rule.restore(state)
    }
}

extension EarlyStoppingCallback: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [] }
}
