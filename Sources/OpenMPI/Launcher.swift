import Distributed
import Foundation
import TensorCore

/// Starting a data-parallel job: under `mpirun` or not, one call gives the communicator.
public enum DataParallelLauncher {
    /// Whether OpenMPI's launcher started this process (it sets `OMPI_COMM_WORLD_SIZE`).
    public static var isLaunchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// What a data-parallel program calls first thing, before loading data or building the
    /// model: under `mpirun` it returns the MPI world; started without it, with `devices > 1`,
    /// it starts this program again under `mpirun -np devices` and exits with the job's status,
    /// so nothing before it runs twice. Same as ``communicator(devices:)``.
    ///
    /// ```swift
    /// let world = try DataParallelLauncher.launch(devices: 4)
    /// let mnist = try MNIST.load()     // once per rank, never in the launching parent
    /// ```
    public static func launch(devices: Int) throws -> any Communicator {
        try communicator(devices: devices)
    }

    /// The communicator for a job of `devices` processes.
    ///
    /// Under `mpirun`, the MPI world (whatever `-np` said). Otherwise, with `devices` 1, a single
    /// process; with more, this program is started again under `mpirun -np devices` with the same
    /// arguments (adding `--allow-run-as-root` when running as root, and `--oversubscribe` so that
    /// more processes than cores are allowed), this process waits for it, and exits with its
    /// status: the call does not return then. That is how Lightning's DDP strategy launches too.
    /// Ctrl-C and SIGTERM sent to this process reach the job (see ``ChildProcess``).
    public static func communicator(devices: Int) throws -> any Communicator {
        // A bad timeout is reported once, here, not by every rank after the relaunch.
        _ = try MPICommunicator.collectiveTimeout(environment: ProcessInfo.processInfo.environment)
        if isLaunchedByMPI { return try MPICommunicator.world() }
        guard devices > 1 else { return SingleProcessCommunicator() }
        relaunch(devices: devices)
    }

    /// The `mpirun` command line that runs this program on `devices` processes.
    public static func mpirunArguments(devices: Int, program: String, arguments: [String]) -> [String] {
        var command = ["mpirun"]
        if geteuid() == 0 { command.append("--allow-run-as-root") }
        command += ["--oversubscribe", "-np", String(devices), program] + arguments
        return command
    }

    private static func relaunch(devices: Int) -> Never {
        let program = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let command = mpirunArguments(devices: devices, program: program, arguments: Array(CommandLine.arguments.dropFirst()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        do {
            // Ctrl-C or SIGTERM reaches mpirun, which stops every rank; then this process ends too.
            exit(try ChildProcess.run(process))
        } catch {
            FileHandle.standardError.write(Data("cannot start \(command.joined(separator: " ")): \(readableReason(error))\n".utf8))
            exit(1)
        }
    }
}

/// ``DataParallelLauncher`` as a ``ProcessGroupLauncher``, for the Structured `Trainer`:
/// `trainer.strategy = .dataParallel(launcher: MPILauncher())`.
public struct MPILauncher: ProcessGroupLauncher {
    /// A launcher over `mpirun`.
    public init() {}

    /// Whether `mpirun` started this process.
    public var isLaunched: Bool { DataParallelLauncher.isLaunchedByMPI }

    /// See ``DataParallelLauncher/communicator(devices:)``.
    public func communicator(devices: Int) throws -> any Communicator {
        try DataParallelLauncher.communicator(devices: devices)
    }
}
