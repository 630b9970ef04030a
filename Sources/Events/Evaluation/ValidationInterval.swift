/// When validation runs within a training epoch.
public enum ValidationInterval: Sendable, Equatable {
    /// After this fraction of each training epoch (1.0: at the end of the epoch; 0.25: four times).
    case fraction(Double)
    /// Every `n` training batches.
    case everyBatches(Int)
}
