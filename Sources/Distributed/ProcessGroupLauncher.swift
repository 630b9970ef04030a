import TensorCore

/// Starts or joins the processes of a data-parallel job, for a frontend that must not link a
/// particular transport: the Structured `Trainer` takes one in its `.dataParallel` strategy, and
/// the OpenMPI module provides `MPILauncher`.
///
/// ```swift
/// import OpenMPI
/// trainer.strategy = .dataParallel(launcher: MPILauncher())
/// trainer.devices = 4
/// ```
public protocol ProcessGroupLauncher: Sendable {
    /// Whether this process was started by the job runner (so it is one rank of a job).
    var isLaunched: Bool { get }

    /// The communicator of a job of `devices` processes. Outside a job with `devices > 1` it
    /// may start this program again as a job and not return.
    func communicator(devices: Int) throws -> any Communicator
}
