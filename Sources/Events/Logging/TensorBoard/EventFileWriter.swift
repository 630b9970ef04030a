import Foundation
import TensorCore

/// Appends TensorBoard `Event` records to `events.out.tfevents.<time>.<host>.<pid>` in a folder,
/// framed as TFRecords (length, masked CRC-32C of the length, data, masked CRC-32C of the data),
/// starting with the `brain.Event:2` version record.
///
/// Records are buffered and appended at ``flush()``; each flush writes whole records and syncs
/// the file, so a run killed between flushes leaves a file that reads up to its last flush.
final class EventFileWriter {
    let path: String
    private var pending: [UInt8] = []
    private let handle: FileHandle

    /// A new event file in `folder` (created if needed), holding the version record already.
    init(folder: String) throws {
        try createFolder(folder, purpose: "TensorBoard log folder")
        let host = ProcessInfo.processInfo.hostName
        path = "\(folder)/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw LoggingError.unwritable(path: path, reason: "cannot create the event file")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw LoggingError.unwritable(path: path, reason: "cannot open the event file")
        }
        self.handle = handle
        var version = ProtobufMessage()
        version.appendDouble(1, Date().timeIntervalSince1970)
        version.appendString(3, "brain.Event:2")
        append(version)
        try flush()
    }

    deinit { try? handle.close() }

    /// Buffers one `Event` message.
    func append(_ event: ProtobufMessage) {
        let data = event.bytes
        let lengthBytes = littleEndianBytes(UInt64(data.count), count: 8)
        pending += lengthBytes
        pending += littleEndianBytes(UInt64(CRC32C.masked(lengthBytes)), count: 4)
        pending += data
        pending += littleEndianBytes(UInt64(CRC32C.masked(data)), count: 4)
    }

    /// Appends the buffered records to the file and syncs it.
    func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(pending))
            try handle.synchronize()
        } catch {
            throw LoggingError.unwritable(path: path, reason: readableReason(error))
        }
        pending.removeAll(keepingCapacity: true)
    }
}
