import Foundation
import Testing
import Datasets
import TensorCore
import TestSupport

/// Data files made to break the readers: each is a thrown error naming the file.
@Suite struct HostileDataTests {
    /// `head -c N /dev/zero` after `header`, gzip-compressed into `path`.
    func gzipBomb(header: [UInt8], zeros: Int, path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let hex = header.map { String(format: "\\%03o", $0) }.joined()
        process.arguments = ["-c", "{ printf '\(hex)'; head -c \(zeros) /dev/zero; } | gzip -1 > '\(path)'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// A 256 MiB stream of zeros compresses to a few hundred KB: reading stops at once for a
    /// wrong magic number, and one byte past the declared size otherwise.
    @Test func gzipBombsStopAtTheHeader() throws {
        let folder = try makeTemporaryFolder()
        try gzipBomb(header: [0, 0, 8, 0x02, 0, 0, 0, 10], zeros: 256 << 20, path: "\(folder)/wrong-magic.gz")
        #expect(throws: DataError.wrongMagic(file: "\(folder)/wrong-magic.gz", expected: 2049, found: 2050)) {
            try IDXFile(contentsOf: "\(folder)/wrong-magic.gz", magic: 2049, itemDimensions: [])
        }
        try gzipBomb(header: [0, 0, 8, 0x01, 0, 0, 0, 10], zeros: 256 << 20, path: "\(folder)/ten-labels.gz")
        // The header is read in 64-byte steps: at most that much was inflated, not 256 MiB.
        #expect { try IDXFile(contentsOf: "\(folder)/ten-labels.gz", magic: 2049, itemDimensions: []) } throws: { error in
            guard case .trailingBytes(_, 18, let read) = error as? DataError else { return false }
            return read <= 64
        }
        try gzipBomb(header: [0, 0, 8, 0x01, 0, 0, 0, 10], zeros: 10, path: "\(folder)/fine.gz")
        #expect(try IDXFile(contentsOf: "\(folder)/fine.gz", magic: 2049, itemDimensions: []).dimensions == [10])
    }

    /// A failed download leaves no empty folders behind.
    @Test func aFailedDownloadRemovesTheFoldersItCreated() throws {
        let server = try LoopbackHTTPServer(files: [:])
        defer { server.stop() }
        let root = try makeTemporaryFolder()
        #expect(throws: DataError.self) { try MNIST.download(from: server.baseURL, into: "\(root)/data/mnist") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
    }
}
