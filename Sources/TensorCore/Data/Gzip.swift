import CZlib

/// Reads a whole file, inflating it first when it is gzip-compressed (zlib detects the format;
/// plain files pass through unchanged). The one place that calls zlib.
func readPossiblyCompressedFile(_ path: String) throws -> [UInt8] {
    guard let file = gzopen(path, "rb") else {
        throw DataError.unreadable(file: path, reason: "cannot open")
    }
    defer { gzclose(file) }
    gzbuffer(file, 1 << 20)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if read < 0 { throw DataError.unreadable(file: path, reason: gzipErrorMessage(file)) }
        if read == 0 { break }
        bytes.append(contentsOf: chunk[0..<Int(read)])
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
