import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `bytes` to `path` so that a crash at any moment leaves either the old file or the
/// complete new one: the bytes go to a temporary file in the same folder, which is flushed to
/// disk (`fsync`) and then renamed over `path` (atomic on POSIX file systems), and the folder is
/// flushed so the rename itself survives a power loss.
///
/// Temporary files that a process killed mid-save left behind (`.NAME.tmp-PID-RANDOM` whose
/// process no longer runs) are removed on the next save into the same folder.
///
/// - Throws: ``CheckpointError/io(path:reason:)``; the temporary file is removed on failure.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    removeStaleTemporaries(in: folder)
    let temporary = "\(folder)/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    func failure(_ step: String) -> CheckpointError {
        .io(path: path, reason: "\(step): \(String(cString: strerror(errno)))")
    }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw failure("cannot create temporary file") }
    do {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("fsync") }
        guard close(descriptor) == 0 else { throw failure("close") }
    } catch {
        close(descriptor)
        unlink(temporary)
        throw error
    }
    guard rename(temporary, path) == 0 else {
        let error = failure("rename")
        unlink(temporary)
        throw error
    }
    let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directory >= 0 {
        fsync(directory)
        close(directory)
    }
}

/// Removes `.NAME.tmp-PID-RANDOM` files in `folder` whose process is gone (`kill(pid, 0)`
/// reports ESRCH); a running writer's temporaries are left alone.
func removeStaleTemporaries(in folder: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names where name.hasPrefix(".") {
        guard let marker = name.range(of: ".tmp-", options: .backwards) else { continue }
        let parts = name[marker.upperBound...].split(separator: "-")
        guard parts.count == 2, let pid = Int32(parts[0]), UInt32(parts[1]) != nil, pid > 0 else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(folder)/\(name)") }
    }
}

/// Creates `path` and any missing parents with `mkdir(2)`, so a failure carries the system's
/// reason ("Not a directory" for a folder inside a file, "Permission denied").
///
/// ```swift
/// try createFolder("runs/checkpoints", purpose: "checkpoint folder")
/// ```
/// - Throws: ``CheckpointError/io(path:reason:)``: `cannot create the <purpose> (<reason>)`.
public func createFolder(_ path: String, purpose: String) throws {
    var partial = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        partial += "/\(component)"
        if mkdir(partial, 0o755) != 0 && errno != EEXIST {
            throw CheckpointError.io(path: path, reason: "cannot create the \(purpose) (\(String(cString: strerror(errno))))")
        }
    }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        throw CheckpointError.io(path: path, reason: "cannot create the \(purpose) (\(String(cString: strerror(ENOTDIR))))")
    }
}
