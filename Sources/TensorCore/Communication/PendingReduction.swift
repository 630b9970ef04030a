import Dispatch
import Synchronization

/// An all-reduce in flight, started by ``Communicator/startAllReduce(_:operation:)``: the
/// caller computes on while the values travel, and ``wait()`` gives the combined values.
///
/// It owns the values while they are in flight, so the caller cannot touch them by mistake;
/// ``wait()`` hands them back (ready to be reused for the next reduction).
///
/// ```swift
/// let pending = try communicator.startAllReduce(bucket, operation: .sum)
/// // ... compute the next bucket's gradients ...
/// bucket = try pending.wait()
/// ```
public final class PendingReduction: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<[Float], any Error>?>(nil)
    private var taken = false

    /// A reduction that a transport completes later with ``complete(_:)``.
    public init() {}

    /// A reduction that is already done (a transport without background progress, or one process).
    public init(completed result: Result<[Float], any Error>) {
        outcome.withLock { $0 = result }
        finished.signal()
    }

    /// Called once by the transport when the values are combined (or the collective failed).
    public func complete(_ result: Result<[Float], any Error>) {
        outcome.withLock { $0 = result }
        finished.signal()
    }

    /// Blocks until the reduction is done and returns the combined values.
    /// - Throws: what the collective threw (a failed peer, a transport error, a timeout).
    public func wait() throws -> [Float] {
        precondition(!taken, "PendingReduction.wait: called twice")
        taken = true
        finished.wait()
        return try outcome.withLock { state in
            defer { state = nil }
            return try state!.get()
        }
    }
}
