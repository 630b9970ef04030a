import TensorCore
import Foundation

/// Ranks as threads of one process: real collectives with real concurrency, no MPI. For tests
/// and debugging of distributed code (as swift-nio's `EmbeddedChannel` is for channel code).
///
/// ```swift
/// let sums = try InProcessCommunicator.run(worldSize: 4) { communicator in
///     var value: [Double] = [Double(communicator.rank)]
///     try communicator.allReduce(&value, operation: .sum)
///     return value[0]
/// }
/// // sums == [6, 6, 6, 6]
/// ```
///
/// If a rank throws, the others' pending and later collectives throw
/// ``CommunicatorError/peerFailed(rank:message:)`` instead of waiting forever, and a collective
/// that waits longer than `timeout` throws ``CommunicatorError/timedOut(collective:seconds:)``.
public final class InProcessCommunicator: Communicator, @unchecked Sendable {
    /// This process's index, from 0 to `worldSize - 1`.
    public let rank: Int
    /// How many processes take part.
    public var worldSize: Int { group.worldSize }
    private let group: Group

    private init(rank: Int, group: Group) {
        self.rank = rank
        self.group = group
    }

    /// Runs `body` on `worldSize` threads, each with its own rank's communicator and its own
    /// random generator scope (seeded `seed + rank`), and returns their results in rank order.
    /// Rethrows the first error by rank.
    public static func run<Result>(worldSize: Int, timeout: Double = 60, seed: UInt64 = 0,
                                   _ body: @escaping @Sendable (InProcessCommunicator) throws -> Result) throws -> [Result] {
        guard worldSize >= 1 else { throw CommunicatorError.invalidArgument(collective: "run", detail: "world size must be at least 1, got \(worldSize)") }
        let group = Group(worldSize: worldSize, timeout: timeout)
        let results = ResultSlots<Result>(count: worldSize)
        let done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let communicator = InProcessCommunicator(rank: rank, group: group)
                do {
                    let value = try withRandomScope(seed: seed &+ UInt64(rank)) { try body(communicator) }
                    results.set(rank, .success(value))
                } catch {
                    group.fail(rank: rank, error: error)
                    results.set(rank, .failure(error))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        let outcomes = results.values()
        // Report the rank that failed first, not the ranks that stopped because of it.
        let original = outcomes.first { outcome in
            if case .failure(let error) = outcome, !(error is CommunicatorError) { return true }
            if case .failure(CommunicatorError.peerFailed) = outcome { return false }
            if case .failure = outcome { return true }
            return false
        }
        if case .failure(let error)? = original { throw error }
        return try outcomes.map { try $0.get() }
    }

    /// Combines `values` elementwise over every rank, in rank order, and gives every rank the result.
    public func allReduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], operation: ReductionOperation) throws {
        let all = try group.exchange("allReduce", rank: rank, values)
        guard all.allSatisfy({ $0.count == values.count }) else {
            throw CommunicatorError.mismatch(collective: "allReduce", detail: "lengths \(all.map(\.count))")
        }
        values = combine(all, operation)
    }

    /// Replaces `values` on every rank with `root`'s.
    public func broadcast<Scalar: CommunicationScalar>(_ values: inout [Scalar], from root: Int) throws {
        guard (0..<worldSize).contains(root) else {
            throw CommunicatorError.invalidArgument(collective: "broadcast", detail: "root \(root) outside a world of \(worldSize)")
        }
        let all = try group.exchange("broadcast", rank: rank, values)
        values = all[root]
    }

    /// Every rank's `values` (lengths may differ), in rank order.
    public func allGather<Scalar: CommunicationScalar>(_ values: [Scalar]) throws -> [[Scalar]] {
        try group.exchange("allGather", rank: rank, values)
    }

    /// Combines `values` over every rank and returns this rank's block of the result (``Communicator/block(of:for:)``).
    public func reduceScatter<Scalar: CommunicationScalar>(_ values: [Scalar], operation: ReductionOperation) throws -> [Scalar] {
        let all = try group.exchange("reduceScatter", rank: rank, values)
        guard all.allSatisfy({ $0.count == values.count }) else {
            throw CommunicatorError.mismatch(collective: "reduceScatter", detail: "lengths \(all.map(\.count))")
        }
        return Array(combine(all, operation)[block(of: values.count, for: rank)])
    }

    /// Returns once every rank has called it.
    public func barrier() throws {
        _ = try group.exchange("barrier", rank: rank, [Float]())
    }

    /// Marks the group failed: the other ranks' collectives throw ``CommunicatorError/peerFailed(rank:message:)``.
    public func abortJob(reason: String) {
        group.fail(rank: rank, error: CommunicatorError.transport(collective: "abort", message: reason))
    }

    /// The shared rendezvous: each collective is a round in which every rank deposits its
    /// contribution and then reads everyone's.
    private final class Group: @unchecked Sendable {
        let worldSize: Int
        let timeout: Double
        private let condition = NSCondition()
        private var round = 0
        private var arrived = 0
        private var slots: [Any?]
        private var names: [String?]
        private var published: [Any] = []
        private var failure: (rank: Int, message: String)?

        init(worldSize: Int, timeout: Double) {
            self.worldSize = worldSize
            self.timeout = timeout
            slots = Array(repeating: nil, count: worldSize)
            names = Array(repeating: nil, count: worldSize)
        }

        func fail(rank: Int, error: Error) {
            condition.lock()
            if failure == nil { failure = (rank, "\(error)") }
            condition.broadcast()
            condition.unlock()
        }

        func exchange<Scalar>(_ collective: String, rank: Int, _ values: [Scalar]) throws -> [[Scalar]] {
            condition.lock()
            defer { condition.unlock() }
            if let failure { throw CommunicatorError.peerFailed(rank: failure.rank, message: failure.message) }
            let myRound = round
            slots[rank] = values
            names[rank] = collective
            arrived += 1
            if arrived == worldSize {
                // The last rank to arrive publishes the round and opens the next one.
                let callNames = Set(names.compactMap { $0 })
                published = slots.map { $0! }
                slots = Array(repeating: nil, count: worldSize)
                names = Array(repeating: nil, count: worldSize)
                arrived = 0
                round += 1
                condition.broadcast()
                if callNames.count > 1 {
                    failure = (rank, "ranks called different collectives: \(callNames.sorted())")
                    throw CommunicatorError.mismatch(collective: collective, detail: "ranks called \(callNames.sorted())")
                }
            } else {
                let deadline = Date(timeIntervalSinceNow: timeout)
                while round == myRound {
                    if let failure { throw CommunicatorError.peerFailed(rank: failure.rank, message: failure.message) }
                    if !condition.wait(until: deadline) && round == myRound {
                        throw CommunicatorError.timedOut(collective: collective, seconds: timeout)
                    }
                }
                if let failure { throw CommunicatorError.peerFailed(rank: failure.rank, message: failure.message) }
            }
            guard let typed = published as? [[Scalar]] else {
                throw CommunicatorError.mismatch(collective: collective, detail: "ranks sent different element types")
            }
            return typed
        }
    }

    private final class ResultSlots<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<Value, Error>?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Result<Value, Error>) { lock.withLock { slots[index] = value } }
        func values() -> [Result<Value, Error>] { lock.withLock { slots.map { $0! } } }
    }
}

/// Combines `contributions` (one array per rank, equal lengths) elementwise, in rank order.
func combine<Scalar: CommunicationScalar>(_ contributions: [[Scalar]], _ operation: ReductionOperation) -> [Scalar] {
    var result = contributions[0]
    for contribution in contributions.dropFirst() {
        for i in result.indices {
            switch operation {
            case .sum, .mean: result[i] += contribution[i]
            case .max: result[i] = Swift.max(result[i], contribution[i])
            case .min: result[i] = Swift.min(result[i], contribution[i])
            }
        }
    }
    if operation == .mean {
        let count = Scalar(contributions.count)
        for i in result.indices { result[i] /= count }
    }
    return result
}
