import Metrics

/// Whether a monitored value keeps improving: the best value so far and how many observations
/// passed without an improvement of more than `minimumDelta`. The one rule behind early stopping
/// in both frontends.
public struct PatienceTracker: Sendable {
    /// Which way the value improves.
    public let mode: MonitorMode
    /// Observations without improvement after which patience has run out.
    public let patience: Int
    /// The change that counts as an improvement.
    public let minimumDelta: Float
    /// The best value so far.
    public private(set) var best: Float?
    /// Observations since the last improvement.
    public private(set) var waitCount = 0

    /// A tracker in direction `mode`; see the properties.
    public init(mode: MonitorMode, patience: Int, minimumDelta: Float = 0) {
        precondition(patience >= 1, "patience must be at least 1, got \(patience)")
        precondition(minimumDelta >= 0, "minimumDelta must be >= 0, got \(minimumDelta)")
        self.mode = mode
        self.patience = patience
        self.minimumDelta = minimumDelta
    }

    /// Records `value`; returns true when patience has run out.
    public mutating func observe(_ value: Float) -> Bool {
        let improved = best.map { mode.isImprovement(value, over: $0, by: minimumDelta) } ?? true
        if improved {
            best = value
            waitCount = 0
        } else {
            waitCount += 1
        }
        return waitCount >= patience
    }

    /// Restores a saved position (from a checkpoint).
    public mutating func restore(best: Float?, waitCount: Int) {
        self.best = best
        self.waitCount = waitCount
    }
}
