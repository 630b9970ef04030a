import Synchronization

/// How values from every process combine in a collective operation.
public enum ReductionOperation: Sendable {
    case sum, mean, max, min
}

/// The scalar types collectives carry: `Float` for gradients and parameters, `Double` for
/// metric state (counts stay exact up to 2^53).
public protocol CommunicationScalar: BinaryFloatingPoint, Sendable {}
extension Float: CommunicationScalar {}
extension Double: CommunicationScalar {}

/// Collective operations across the processes (ranks) of one training job.
///
/// Every rank must call the same collectives in the same order with compatible sizes, as with
/// MPI. Three implementations: ``SingleProcessCommunicator`` (the default: one rank, every
/// collective is the identity), ``InProcessCommunicator`` (ranks as threads of one process, for
/// tests and debugging) and the OpenMPI one in the `Distributed` module.
///
/// Results are combined in rank order, so every rank gets bit-identical values.
///
/// ```swift
/// var gradients: [Float] = ...
/// try communicator.allReduce(&gradients, operation: .mean)
/// ```
public protocol Communicator: AnyObject {
    /// This process's index, `0..<worldSize`.
    var rank: Int { get }
    /// The number of processes.
    var worldSize: Int { get }

    /// Replaces `values` on every rank with their elementwise combination across ranks.
    func allReduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], operation: ReductionOperation) throws
    /// Starts combining `values` over every rank and returns at once; the result comes from the
    /// returned reduction's `wait()`. Reductions complete in the order they were started, which
    /// must be the same on every rank. A transport without background progress (the default)
    /// completes the reduction before returning.
    /// - Throws: what starting the collective throws (the combined values' errors come from `wait()`).
    func startAllReduce(_ values: consuming [Float], operation: ReductionOperation) throws -> PendingReduction
    /// Replaces `values` on every rank with `root`'s.
    func broadcast<Scalar: CommunicationScalar>(_ values: inout [Scalar], from root: Int) throws
    /// Every rank's `values` (lengths may differ), in rank order.
    func allGather<Scalar: CommunicationScalar>(_ values: [Scalar]) throws -> [[Scalar]]
    /// The elementwise combination across ranks of `values`, split into `worldSize` consecutive
    /// blocks (as even as possible; the first blocks one longer), of which this rank gets its own.
    func reduceScatter<Scalar: CommunicationScalar>(_ values: [Scalar], operation: ReductionOperation) throws -> [Scalar]
    /// Returns once every rank has called it.
    func barrier() throws
    /// Stops every rank of the job after this rank failed with `reason`, so none waits forever
    /// in a collective. Default: nothing (one process has nobody waiting for it).
    func abortJob(reason: String)
}

extension Communicator {
    /// Combines `values` at once with ``allReduce(_:operation:)`` and returns the finished
    /// reduction: correct everywhere, without overlap.
    public func startAllReduce(_ values: consuming [Float], operation: ReductionOperation) throws -> PendingReduction {
        var values = values
        try allReduce(&values, operation: operation)
        return PendingReduction(completed: .success(values))
    }

    /// Nothing to abort in one process: the error propagates as usual.
    public func abortJob(reason: String) {}

    /// Whether this is rank 0, the one that logs and writes checkpoints.
    public var isMain: Bool { rank == 0 }

    /// The block of `count` consecutive elements that `reduceScatter` gives to `rank`.
    public func block(of count: Int, for rank: Int) -> Range<Int> {
        let base = count / worldSize, extra = count % worldSize
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}

/// Failures of a collective operation.
public enum CommunicatorError: Error, CustomStringConvertible, Equatable {
    /// Ranks called a collective with incompatible arguments.
    case mismatch(collective: String, detail: String)
    /// Another rank failed, so this collective can never complete.
    case peerFailed(rank: Int, message: String)
    /// The collective did not complete within the timeout.
    case timedOut(collective: String, seconds: Double)
    /// An invalid argument, such as a root outside the world.
    case invalidArgument(collective: String, detail: String)
    /// The transport reported an error (for MPI, its error string).
    case transport(collective: String, message: String)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .mismatch(collective, detail): "\(collective): ranks disagree: \(detail)"
        case let .peerFailed(rank, message): "rank \(rank) failed: \(message)"
        case let .timedOut(collective, seconds): "\(collective) did not complete within \(seconds) s (a rank stopped or is stuck)"
        case let .invalidArgument(collective, detail): "\(collective): \(detail)"
        case let .transport(collective, message): "\(collective): \(message)"
        }
    }
}

/// One process, no communication: every collective returns its input. The default everywhere,
/// so code written for many ranks runs unchanged on one (Ignite's serial model).
public final class SingleProcessCommunicator: Communicator {
    /// The communicator of a program running alone.
    public init() {}
    /// This process's index, from 0 to `worldSize - 1`.
    public var rank: Int { 0 }
    /// How many processes take part.
    public var worldSize: Int { 1 }
    /// Combines `values` elementwise over every rank, in rank order, and gives every rank the result.
    public func allReduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], operation: ReductionOperation) throws {}
    /// Replaces `values` on every rank with `root`'s.
    public func broadcast<Scalar: CommunicationScalar>(_ values: inout [Scalar], from root: Int) throws {
        guard root == 0 else { throw CommunicatorError.invalidArgument(collective: "broadcast", detail: "root \(root) outside a world of 1") }
    }
    /// Every rank's `values` (lengths may differ), in rank order.
    public func allGather<Scalar: CommunicationScalar>(_ values: [Scalar]) throws -> [[Scalar]] { [values] }
    /// Combines `values` over every rank and returns this rank's block of the result (``Communicator/block(of:for:)``).
    public func reduceScatter<Scalar: CommunicationScalar>(_ values: [Scalar], operation: ReductionOperation) throws -> [Scalar] { values }
    /// Returns once every rank has called it.
    public func barrier() throws {}
}


/// Whether this process is inside a training run with other processes: the MPI communicator
/// aborts the whole job when a rank exits then (its peers would otherwise wait in their next
/// collective until the timeout), and finalizes cleanly otherwise.
public enum TrainingActivity {
    private static let runs = Atomic<Int>(0)

    /// Marks the start of a multi-process run (engines call it).
    public static func begin() { runs.add(1, ordering: .relaxed) }
    /// Marks the end of a multi-process run.
    public static func end() { runs.subtract(1, ordering: .relaxed) }
    /// Whether any multi-process run is in progress in this process.
    public static var isActive: Bool { runs.load(ordering: .relaxed) > 0 }
}
