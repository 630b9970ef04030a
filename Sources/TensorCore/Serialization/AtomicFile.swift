import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `bytes` to `path` so that a crash at any moment leaves either the old file or the
/// complete new one: the bytes go to a temporary file in the same folder, which is flushed to
/// disk (`fsync`) and then renamed over `path` (atomic on POSIX file systems), and the folder is
/// flushed so the rename itself survives a power loss.
///
/// - Throws: ``CheckpointError/io(path:reason:)``; the temporary file is removed on failure.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
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
