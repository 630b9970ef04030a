import Dispatch
import Foundation

/// Splits loops across the machine's cores with a partition that depends only on the problem
/// size, never on timing, so every run computes exactly the same floating-point operations in the
/// same order.
enum Parallel {
    /// Work below this many elements runs on the calling thread: waking a second thread costs
    /// more than it saves.
    static let minimumElementsPerTask = 1 << 15

    /// Cores available to this process's loops: the machine's, divided among the processes of a
    /// job that share it (`mpirun` says how many in `OMPI_COMM_WORLD_LOCAL_SIZE`), so ranks on one
    /// machine do not oversubscribe its cores (PyTorch's launcher sets one thread per process for
    /// the same reason).
    static let maximumTasks: Int = {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let localRanks = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? 1
        return max(1, min(cores / max(localRanks, 1), 8))
    }()

    /// Calls `body` on disjoint ranges covering `0..<count`. Elementwise loops only: each index
    /// is written by exactly one task, so the result cannot depend on the number of tasks.
    @inline(__always)
    static func forEachChunk(count: Int, minimumChunk: Int = minimumElementsPerTask,
                             _ body: (Range<Int>) -> Void) {
        let tasks = min(maximumTasks, count / max(minimumChunk, 1))
        if tasks <= 1 {
            body(0..<count)
            return
        }
        let chunk = (count + tasks - 1) / tasks
        // `concurrentPerform` returns only after every task has finished, so `body` does not
        // outlive this call even though the closure type says it may escape.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let start = task * chunk
                shared.value(start..<min(start + chunk, count))
            }
        }
    }
}

/// Carries a value the compiler cannot prove thread-safe into concurrent tasks. Used only where
/// each task touches disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

