import CMPI
import Foundation

/// Facts about how this process was launched, read without initializing MPI.
///
/// The data-parallel communicator over OpenMPI lands with the Distributed issue; until then this
/// type only tells whether the process runs under `mpirun`, which never needs MPI to start.
public enum MPIEnvironment {
    /// Whether OpenMPI's launcher started this process (it sets `OMPI_COMM_WORLD_SIZE`).
    public static var isLaunchedByMPI: Bool {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// The world size `mpirun` announced, or 1 when not launched by it.
    public static var launchedWorldSize: Int {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) ?? 1
    }

    /// OpenMPI's library version string, which proves the shim links.
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING))
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
