/// Which way a monitored value improves: the one direction type behind early stopping, best-k
/// checkpoints and plateau schedules in both frontends (Lightning's `mode="min"`/`"max"`).
///
/// ```swift
/// let mode = MonitorMode.max                         // e.g. validation accuracy
/// mode.isImprovement(0.97, over: 0.96)               // true
/// mode.isImprovement(0.961, over: 0.96, by: 0.01)    // false: not better by more than 0.01
/// ```
public enum MonitorMode: Sendable {
    /// Smaller is better (losses, errors).
    case min
    /// Larger is better (accuracy, F1, AUC).
    case max

    /// Whether `value` beats `best` by more than `delta` in this direction.
    public func isImprovement(_ value: Float, over best: Float, by delta: Float = 0) -> Bool {
        switch self {
        case .min: value < best - delta
        case .max: value > best + delta
        }
    }
}
