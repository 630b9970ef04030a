import Distributed
import CMPI
import Foundation
import Synchronization
import TensorCore

/// Collectives over OpenMPI's `MPI_COMM_WORLD`: the real distributed engine, for processes
/// started by `mpirun` on one machine or many.
///
/// The first use initializes MPI (and finalizes it at exit); collectives combine in rank order
/// (MPI's reductions are deterministic for a fixed process layout). Every MPI call goes through
/// one choke point that turns return codes into thrown errors. A collective that waits longer
/// than ``timeout`` seconds prints which one and aborts the whole job; so does
/// ``abortJob(reason:)``, which the engines call when a rank fails, so no rank hangs.
///
/// ```swift
/// // mpirun -np 2 my-program
/// let world = try MPICommunicator.world()
/// var gradients: [Float] = ...
/// try world.allReduce(&gradients, operation: .mean)
/// ```
public final class MPICommunicator: Communicator, @unchecked Sendable {
    /// This process's index, from 0 to `worldSize - 1`.
    public let rank: Int
    /// How many processes take part.
    public let worldSize: Int
    /// Seconds a collective may wait before the job is aborted.
    public let timeout: Double
    private let comm: MPI_Comm
    private let watchdog = Mutex<(collective: String, deadline: UInt64)?>(nil)
    /// Every MPI call of this communicator runs here, one at a time and in the order made
    /// (MPI_THREAD_SERIALIZED): blocking collectives wait for it, started all-reduces run on it
    /// while the caller computes.
    private let queue = DispatchQueue(label: "swifttrain.mpi")

    private static let shared = Mutex<MPICommunicator?>(nil)

    /// The communicator of all processes of the job (initializing MPI on first use).
    /// - Parameter timeout: seconds before a stuck collective aborts the job (default 300, or
    ///   `SWIFTTRAIN_COLLECTIVE_TIMEOUT`).
    public static func world(timeout: Double? = nil) throws -> MPICommunicator {
        try shared.withLock { current in
            if let current { return current }
            let seconds = try timeout ?? collectiveTimeout(environment: ProcessInfo.processInfo.environment)
            let created = try MPICommunicator(timeout: seconds)
            current = created
            return created
        }
    }

    /// The collective timeout from `SWIFTTRAIN_COLLECTIVE_TIMEOUT` (seconds, default 300).
    /// - Throws: ``CommunicatorError/invalidArgument(collective:detail:)`` for a value that is not
    ///   a finite number of seconds between 0.1 and one year.
    public static func collectiveTimeout(environment: [String: String]) throws -> Double {
        guard let text = environment["SWIFTTRAIN_COLLECTIVE_TIMEOUT"] else { return 300 }
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, (0.1...31_536_000).contains(seconds) else {
            throw CommunicatorError.invalidArgument(
                collective: "SWIFTTRAIN_COLLECTIVE_TIMEOUT",
                detail: "\"\(text)\" is not a number of seconds between 0.1 and 31536000")
        }
        return seconds
    }

    private init(timeout: Double) throws {
        guard timeout.isFinite, (0.1...31_536_000).contains(timeout) else {
            throw CommunicatorError.invalidArgument(collective: "MPICommunicator", detail: "timeout \(timeout) s is not between 0.1 and 31536000")
        }
        var initialized: Int32 = 0
        try MPI.check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try MPI.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided), "MPI_Init_thread")
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                guard finalized == 0 else { return }
                // A rank leaving in the middle of a multi-process run (an `exit()` in a handler)
                // would leave its peers waiting in their next collective until the timeout:
                // abort the job now, naming this rank. Otherwise finalize cleanly.
                if TrainingActivity.isActive, let world = MPICommunicator.shared.withLock({ $0 }) {
                    world.abortJob(reason: "exited during training while the other ranks were still running")
                }
                MPI_Finalize()
            }
        }
        comm = cmpi_comm_world()
        try MPI.check(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try MPI.check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank")
        try MPI.check(MPI_Comm_size(comm, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.worldSize = Int(size)
        self.timeout = timeout
        startWatchdog()
    }

    /// Runs `body` as collective `name` on the MPI queue (after the reductions started before
    /// it), watched by the timeout.
    private func collective<Result>(_ name: String, _ body: () throws -> Result) throws -> Result {
        try queue.sync { try watched(name, body) }
    }

    private func watched<Result>(_ name: String, _ body: () throws -> Result) throws -> Result {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        watchdog.withLock { $0 = (name, deadline) }
        defer { watchdog.withLock { $0 = nil } }
        return try body()
    }

    private func startWatchdog() {
        let thread = Thread { [weak self] in
            while let self {
                Thread.sleep(forTimeInterval: 0.2)
                let stuck = self.watchdog.withLock { state -> String? in
                    guard let state, DispatchTime.now().uptimeNanoseconds > state.deadline else { return nil }
                    return state.collective
                }
                if let stuck {
                    self.abortJob(reason: "\(stuck) did not complete within \(self.timeout) s (a rank stopped or is stuck)")
                }
            }
        }
        thread.start()
    }

    private func datatype<Scalar: CommunicationScalar>(_: Scalar.Type) -> MPI_Datatype {
        Scalar.self == Float.self ? cmpi_float() : cmpi_double()
    }

    private func operation(_ operation: ReductionOperation) -> MPI_Op {
        switch operation {
        case .sum, .mean: cmpi_op_sum()
        case .max: cmpi_op_max()
        case .min: cmpi_op_min()
        }
    }

    /// Combines `values` elementwise over every rank, in rank order, and gives every rank the result.
    public func allReduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], operation reduction: ReductionOperation) throws {
        guard worldSize > 1, !values.isEmpty else { return }
        try collective("allReduce") { try reduce(&values, reduction) }
    }

    /// Starts the sum (or max, min, mean) of `values` over every rank on the MPI queue and
    /// returns at once: MPI moves the data while the caller computes (backward, in data
    /// parallelism). The reduction is the same `MPI_Allreduce` as ``allReduce(_:operation:)``,
    /// so it gives the same values bit for bit.
    public func startAllReduce(_ values: consuming [Float], operation reduction: ReductionOperation) throws -> PendingReduction {
        let box = ReductionBuffer(values)
        guard worldSize > 1, !box.values.isEmpty else { return PendingReduction(completed: .success(box.values)) }
        let pending = PendingReduction()
        queue.async { [self] in
            pending.complete(Result {
                try watched("allReduce (started)") { try reduce(&box.values, reduction) }
                return box.values
            })
        }
        return pending
    }

    /// `MPI_Allreduce` in place, then the division for `.mean`.
    private func reduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], _ reduction: ReductionOperation) throws {
        let count = Int32(values.count), type = datatype(Scalar.self), op = operation(reduction)
        try values.withUnsafeMutableBytes { buffer in
            try MPI.check(MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, count, type, op, comm), "MPI_Allreduce")
        }
        if reduction == .mean {
            let size = Scalar(worldSize)
            for i in values.indices { values[i] /= size }
        }
    }

    /// Replaces `values` on every rank with `root`'s.
    public func broadcast<Scalar: CommunicationScalar>(_ values: inout [Scalar], from root: Int) throws {
        guard (0..<worldSize).contains(root) else {
            throw CommunicatorError.invalidArgument(collective: "broadcast", detail: "root \(root) outside a world of \(worldSize)")
        }
        guard worldSize > 1, !values.isEmpty else { return }
        try collective("broadcast") {
            let count = Int32(values.count), type = datatype(Scalar.self)
            try values.withUnsafeMutableBytes { buffer in
                try MPI.check(MPI_Bcast(buffer.baseAddress, count, type, Int32(root), comm), "MPI_Bcast")
            }
        }
    }

    /// Every rank's `values` (lengths may differ), in rank order.
    public func allGather<Scalar: CommunicationScalar>(_ values: [Scalar]) throws -> [[Scalar]] {
        guard worldSize > 1 else { return [values] }
        return try collective("allGather") {
            // Lengths first (they may differ), then the values.
            var lengths = [Int32](repeating: 0, count: worldSize)
            var mine = Int32(values.count)
            try MPI.check(MPI_Allgather(&mine, 1, cmpi_int32(), &lengths, 1, cmpi_int32(), comm), "MPI_Allgather")
            var offsets = [Int32](repeating: 0, count: worldSize)
            for r in 1..<worldSize { offsets[r] = offsets[r - 1] + lengths[r - 1] }
            var all = [Scalar](repeating: 0, count: Int(lengths.reduce(0, +)))
            let type = datatype(Scalar.self)
            try values.withUnsafeBytes { send in
                try all.withUnsafeMutableBytes { receive in
                    try MPI.check(MPI_Allgatherv(send.baseAddress, mine, type, receive.baseAddress, lengths, offsets, type, comm), "MPI_Allgatherv")
                }
            }
            return (0..<worldSize).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + lengths[$0])]) }
        }
    }

    /// Combines `values` over every rank and returns this rank's block of the result (``Communicator/block(of:for:)``).
    public func reduceScatter<Scalar: CommunicationScalar>(_ values: [Scalar], operation reduction: ReductionOperation) throws -> [Scalar] {
        guard worldSize > 1 else { return values }
        var result = try collective("reduceScatter") { () -> [Scalar] in
            let counts = (0..<worldSize).map { Int32(block(of: values.count, for: $0).count) }
            var mine = [Scalar](repeating: 0, count: Int(counts[rank]))
            let type = datatype(Scalar.self), op = operation(reduction)
            try values.withUnsafeBytes { send in
                try mine.withUnsafeMutableBytes { receive in
                    try MPI.check(MPI_Reduce_scatter(send.baseAddress, receive.baseAddress, counts, type, op, comm), "MPI_Reduce_scatter")
                }
            }
            return mine
        }
        if reduction == .mean {
            let size = Scalar(worldSize)
            for i in result.indices { result[i] /= size }
        }
        return result
    }

    /// Returns once every rank has called it.
    public func barrier() throws {
        guard worldSize > 1 else { return }
        try collective("barrier") { try MPI.check(MPI_Barrier(comm), "MPI_Barrier") }
    }

    /// Prints `reason` with this rank and aborts every process of the job.
    public func abortJob(reason: String) {
        FileHandle.standardError.write(Data("rank \(rank) of \(worldSize): \(reason); aborting the job\n".utf8))
        MPI_Abort(comm, 1)
        _exit(1)   // not exit(): this may run inside an atexit handler
    }
}

/// The values of a started all-reduce, owned by the MPI queue until the reduction completes.
private final class ReductionBuffer: @unchecked Sendable {
    var values: [Float]
    init(_ values: consuming [Float]) { self.values = values }
}
