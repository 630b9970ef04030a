import Foundation
import Testing
import Datasets
import TensorCore
import TestSupport

/// Seeded mutations of IDX files, plain and gzip-compressed, each read in-process: every case
/// ends in a thrown error or a correct read, and gzip input never inflates past its header's
/// declared size.
@Suite struct DataFuzzTests {
    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = try makeTemporaryFolder()
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/plain"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -9 '\(folder)/plain'"]
        try process.run()
        process.waitUntilExit()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(folder)/plain.gz")))
    }

    /// An IDX image file of 6 images of 28 x 28.
    var idxImages: [UInt8] {
        [0, 0, 8, 3, 0, 0, 0, 6, 0, 0, 0, 28, 0, 0, 0, 28] + (0..<(6 * 784)).map { UInt8($0 % 251) }
    }

    @Test func idxAndGzipFiles() throws {
        let read = { (path: String) in
            let file = try IDXFile(contentsOf: path, magic: 2051, itemDimensions: [28, 28])
            #expect(file.payload.count == file.dimensions.reduce(1, *))
        }
        let plain = try fuzzFiles(idxImages, name: "images", seed: 1, load: read)
        let compressed = try fuzzFiles(try gzip(idxImages), name: "images.gz", seed: 2, load: read)
        #expect(plain.threw > 0 && compressed.threw > 0)
        #expect(plain.loaded + plain.threw == fuzzMutationsPerFile)
    }
}
