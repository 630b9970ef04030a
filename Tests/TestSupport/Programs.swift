import Foundation
import Testing

/// The example programs as a user runs them, from the folder of the built products (beside the
/// test binary).
public enum BuiltProgram {
    /// The folder with the built programs.
    public static let folder = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        .deletingLastPathComponent()

    /// Runs `program` with `arguments` (and `environment` added to this process's); returns its
    /// status, standard output and standard error.
    public static func run(_ program: String, _ arguments: [String], environment extra: [String: String] = [:],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, out: String, err: String) {
        let path = folder.appendingPathComponent(program).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(program) is not built (swift build -c release)", sourceLocation: sourceLocation)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let (outData, errData) = collectOutputs(of: process, out: out, err: err)
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// Both outputs of a started `process`, read at the same time until it closes them and exits:
/// reading one pipe to its end first would block for good once the other fills its buffer
/// (64 KiB), with the child waiting to write.
public func collectOutputs(of process: Process, out: Pipe, err: Pipe) -> (out: Data, err: Data) {
    final class Box: @unchecked Sendable { var data = Data() }
    let box = Box(), group = DispatchGroup()
    DispatchQueue.global().async(group: group) { box.data = out.fileHandleForReading.readDataToEndOfFile() }
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (box.data, errData)
}
