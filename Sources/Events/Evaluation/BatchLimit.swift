/// How many batches of a pass to run: all, a count, or a fraction of the data.
///
/// ```swift
/// try evaluator.run(validationLoader, epochLength: BatchLimit.fraction(0.25).batches(of: validationLoader.batchesPerEpoch))
/// ```
public enum BatchLimit: Sendable, Equatable {
    /// Every batch.
    case all
    /// At most this many batches.
    case count(Int)
    /// This fraction of the batches, rounded down, at least one.
    case fraction(Double)

    /// The number of batches to run out of `available`.
    public func batches(of available: Int) -> Int {
        switch self {
        case .all: available
        case .count(let n): Swift.min(n, available)
        case .fraction(let f): Swift.min(available, Swift.max(1, Int((Double(available) * f).rounded(.down))))
        }
    }
}
