import Metrics
import TensorCore

/// The early-stopping decision both frontends use (Events' ``EarlyStopping`` and Structured's
/// `EarlyStoppingCallback` wrap it): stop when the monitored value is not finite, when it
/// reaches `stoppingThreshold`, or after `patience` observations without an improvement of more
/// than `minimumDelta` in the direction `mode`.
///
/// ```swift
/// var rule = EarlyStoppingRule(mode: .min, patience: 2)
/// rule.observe(0.5)   // nil
/// rule.observe(0.6)   // nil (1 without improvement)
/// rule.observe(0.7)   // .patienceExhausted
/// ```
public struct EarlyStoppingRule: Sendable {
    /// Why a run was stopped.
    public enum Reason: String, Sendable, Codable, Equatable {
        case patienceExhausted, stoppingThreshold, nonFiniteValue
    }

    /// What a checkpoint keeps of the rule: the best value and the observations since.
    public struct State: CheckpointComponent, Sendable, Equatable {
        /// The default entry (each callback stores it under its monitor's key).
        public static let checkpointKey = "early_stopping"
        /// The layout's version.
        public static let checkpointVersion = 1
        /// The best value so far.
        public var best: Float?
        /// Observations since the last improvement.
        public var waitCount: Int
    }

    /// Which way the value improves.
    public let mode: MonitorMode
    /// Observations without improvement that stop the run.
    public let patience: Int
    /// The change that counts as an improvement.
    public let minimumDelta: Float
    /// A value at least this good stops the run at once.
    public let stoppingThreshold: Float?
    /// Whether a NaN or infinite value stops the run.
    public let checkFinite: Bool
    private var tracker: PatienceTracker

    /// A rule in direction `mode`; see the type's documentation for each setting.
    public init(mode: MonitorMode, patience: Int, minimumDelta: Float = 0, stoppingThreshold: Float? = nil, checkFinite: Bool = true) {
        precondition(patience >= 1, "EarlyStoppingRule: patience must be at least 1, got \(patience)")
        precondition(minimumDelta >= 0, "EarlyStoppingRule: minimumDelta must be >= 0, got \(minimumDelta)")
        self.mode = mode
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.stoppingThreshold = stoppingThreshold
        self.checkFinite = checkFinite
        tracker = PatienceTracker(mode: mode, patience: patience, minimumDelta: minimumDelta)
    }

    /// The best value so far.
    public var best: Float? { tracker.best }
    /// Observations since the last improvement.
    public var waitCount: Int { tracker.waitCount }

    /// Records `value`; returns why the run must stop, or nil to go on.
    public mutating func observe(_ value: Float) -> Reason? {
        if checkFinite && !value.isFinite { return .nonFiniteValue }
        if let stoppingThreshold, mode.isImprovement(value, over: stoppingThreshold) { return .stoppingThreshold }
        return tracker.observe(value) ? .patienceExhausted : nil
    }

    /// The rule's position, for a checkpoint.
    public var state: State { State(best: tracker.best, waitCount: tracker.waitCount) }

    /// Restores a position saved with ``state``.
    public mutating func restore(_ state: State) {
        tracker.restore(best: state.best, waitCount: state.waitCount)
    }
}
