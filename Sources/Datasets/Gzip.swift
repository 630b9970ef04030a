import TensorCore
import CZlib

/// Reads a whole file, inflating it first when it is gzip-compressed (zlib detects the format;
/// plain files pass through unchanged). The one place that calls zlib.
///
/// With `declaredSize`, the bytes read so far are shown to it until it names the file's total
/// size (it returns nil while it needs more, and throws for a bad header); reading then stops one
/// byte past that size. So a small file that inflates to gigabytes never takes more memory than
/// its header declares, and a wrong header is reported after the first 64 bytes, not after
/// inflating everything.
func readPossiblyCompressedFile(_ path: String, declaredSize: (([UInt8]) throws -> Int?)? = nil) throws -> [UInt8] {
    guard let file = gzopen(path, "rb") else {
        throw DataError.unreadable(file: path, reason: "cannot open")
    }
    defer { gzclose(file) }
    gzbuffer(file, 1 << 20)
    let chunkSize = 1 << 20
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var limit: Int?
    while true {
        // Small reads until the header has named the size, then chunks up to one byte past it.
        let wanted = limit.map { Swift.min(chunkSize, $0 + 1 - bytes.count) } ?? (declaredSize == nil ? chunkSize : 64)
        let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(wanted)) }
        if read < 0 { throw DataError.unreadable(file: path, reason: gzipErrorMessage(file)) }
        if read == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(read)])
        if limit == nil, let declaredSize { limit = try declaredSize(bytes) }
        if let limit, bytes.count > limit {
            throw DataError.trailingBytes(file: path, expectedBytes: limit, actualBytes: bytes.count)
        }
    }
    // A stream cut short reads to its end without error but leaves a buffer error behind.
    var code: Int32 = 0
    _ = gzerror(file, &code)
    if code != Z_OK && code != Z_STREAM_END {
        throw DataError.unreadable(file: path, reason: "gzip stream: \(gzipErrorMessage(file))")
    }
    return bytes
}

private func gzipErrorMessage(_ file: gzFile) -> String {
    var code: Int32 = 0
    guard let message = gzerror(file, &code) else { return "unknown zlib error" }
    return String(cString: message)
}

/// `bytes` as a zlib stream (RFC 1950) at the default level: PNG's image data. The other zlib
/// call of the package, kept in this file with the reader.
func zlibCompressed(_ bytes: [UInt8]) -> [UInt8] {
    var size = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(size))
    let status = output.withUnsafeMutableBufferPointer { target in
        bytes.withUnsafeBufferPointer { source in
            compress2(target.baseAddress, &size, source.baseAddress, uLong(source.count), Z_DEFAULT_COMPRESSION)
        }
    }
    // compressBound leaves room for any input, so only memory exhaustion fails, as in malloc.
    precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
    return Array(output.prefix(Int(size)))
}

/// zlib's CRC-32 of `bytes`, continuing from `crc` (PNG's chunk checksum).
func zlibCRC32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { CZlib.crc32(uLong(crc), $0.baseAddress, uInt($0.count)) })
}
