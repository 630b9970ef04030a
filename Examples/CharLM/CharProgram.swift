import Foundation
import MNISTModels
import TensorCore

/// Runs `body`; `--help` prints the usage and exits 0, an error prints as one line,
/// `name: reason`, and exits 1 before any output file is written.
public func runCharProgram(_ name: String, _ body: () throws -> Void) {
    runCommandLineProgram(name, usage: CharOptions.usage, body)
}

/// Stops with a usage error unless the folder of `path` exists and is writable.
public func checkWritableFolder(of path: String, flag: String) throws {
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    guard FileManager.default.isWritableFile(atPath: folder) else { throw UsageError("\(flag) \(path): \(folder) is not a writable folder") }
}

