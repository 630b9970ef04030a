import Events
import Metrics
import TensorCore

/// How ``SchedulerConfiguration/init(reduceOnPlateau:frequency:name:)`` lowers the rate: multiply
/// it by `factor` (not below `minimumRate`) once `monitor` has gone more than `patience` checks
/// without improving by more than `minimumDelta`, as PyTorch's `ReduceLROnPlateau` counts.
public struct PlateauReduction: Sendable {
    /// The logged value the plateau rule watches.
    public var monitor: String
    /// Which way the monitored value improves.
    public var mode: MonitorMode
    /// The factor the rate is multiplied by on a plateau.
    public var factor: Float
    /// Epochs without improvement tolerated before reducing (PyTorch's rule).
    public var patience: Int
    /// The change that counts as an improvement.
    public var minimumDelta: Float
    /// The rate never goes below this.
    public var minimumRate: Float

    /// A plateau rule; see the properties (PyTorch's `ReduceLROnPlateau` defaults).
    public init(monitor: String, mode: MonitorMode = .min, factor: Float = 0.1, patience: Int = 10,
                minimumDelta: Float = 0, minimumRate: Float = 0) {
        precondition(factor > 0 && factor < 1, "PlateauReduction: factor must be in (0, 1), got \(factor)")
        precondition(patience >= 0, "PlateauReduction: patience must be >= 0")
        self.monitor = monitor
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.minimumRate = minimumRate
    }
}
