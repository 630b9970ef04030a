import Foundation
import Testing
import TensorCore
import TestSupport

/// Seeded mutations of every file format the package reads, each loaded in-process: every case
/// must end in a thrown error or a correct load. A trap would end the test process, so finishing
/// at all is the check for "no crash"; the gzip reader's bound (never past the declared size)
/// keeps memory in check, and every mutated file is small, so nothing can hang.
@Suite struct FuzzTests {
    static let mutationsPerFile = 1500

    /// Mutations: truncation, bit flips, huge and negative numbers, overlapping offsets, broken
    /// JSON, wrong dtypes, and huge sizes in binary headers.
    static func mutate(_ bytes: [UInt8], using generator: inout RandomGenerator) -> [UInt8] {
        var result = bytes
        switch Int.random(in: 0..<7, using: &generator) {
        case 0:   // truncation
            result = Array(result.prefix(Int.random(in: 0..<max(result.count, 1), using: &generator)))
        case 1:   // bit flips
            for _ in 0..<Int.random(in: 1...8, using: &generator) where !result.isEmpty {
                result[Int.random(in: 0..<result.count, using: &generator)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
            }
        case 2:   // a number in the text replaced by a huge, negative or odd one
            let digits = result.indices.filter { (48...57).contains(result[$0]) }
            if let at = digits.randomElement(using: &generator) {
                var end = at
                while end < result.count, (48...57).contains(result[end]) { end += 1 }
                let replacement = ["99999999999999999999", "-1", "1e300", "1099511627776", "0", "4294967296", "-9223372036854775808", "2.5"]
                    .randomElement(using: &generator)!
                result.replaceSubrange(at..<end, with: Array(replacement.utf8))
            }
        case 3:   // data offsets made to overlap: one offset moved back by 4
            if let range = find(Array("data_offsets\":[".utf8), in: result) {
                var index = range.upperBound
                while index < result.count, result[index] != UInt8(ascii: "]") { index += 1 }
                result.replaceSubrange(range.upperBound..<index, with: Array("4,12".utf8))
            }
        case 4:   // broken JSON
            if !result.isEmpty {
                let at = Int.random(in: 8..<max(result.count, 9), using: &generator) % result.count
                result[at] = [UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: ","), 0].randomElement(using: &generator)!
            }
        case 5:   // wrong dtype
            if let range = find(Array("F32".utf8), in: result) {
                result.replaceSubrange(range, with: Array(["F16", "I64", "Q8_", "BF1", "F64"].randomElement(using: &generator)!.utf8))
            }
        default:  // a huge or negative size in the first binary words (header length, IDX dimensions)
            if result.count >= 8 {
                let at = Int.random(in: 0..<4, using: &generator) * 4
                let word: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0]].randomElement(using: &generator)!
                for (offset, byte) in word.enumerated() where at + offset < result.count { result[at + offset] = byte }
            }
        }
        return result
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start..<(start + needle.count)
        }
        return nil
    }

    /// Runs `load` on `mutationsPerFile` mutations of `original`, written to a file each time;
    /// returns how many loaded and how many threw.
    func fuzz(_ original: [UInt8], name: String, seed: UInt64, load: (String) throws -> Void) throws -> (loaded: Int, threw: Int) {
        let folder = try makeTemporaryFolder(name)
        var generator = RandomGenerator(seed: seed)
        var loaded = 0, threw = 0
        for index in 0..<Self.mutationsPerFile {
            let path = "\(folder)/\(index)-\(name)"
            try Data(Self.mutate(original, using: &generator)).write(to: URL(fileURLWithPath: path))
            do { try load(path); loaded += 1 } catch { threw += 1 }
            try? FileManager.default.removeItem(atPath: path)
        }
        return (loaded, threw)
    }

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
        let plain = try fuzz(idxImages, name: "images", seed: 1, load: read)
        let compressed = try fuzz(try gzip(idxImages), name: "images.gz", seed: 2, load: read)
        #expect(plain.threw > 0 && compressed.threw > 0)
        #expect(plain.loaded + plain.threw == Self.mutationsPerFile)
    }

    @Test func safetensorsFiles() throws {
        let model = Sequential(Linear(inputSize: 3, outputSize: 4), BatchNorm1D(features: 4))
        let original = SafeTensorsFile(tensors: model.namedState, metadata: ["note": "fuzz"]).serialized()
        let result = try fuzz(original, name: "model.safetensors", seed: 3) { path in
            let file = try SafeTensorsFile(contentsOf: path)
            for (_, tensor) in file.tensors { #expect(tensor.scalars.count == tensor.shape.reduce(1, *)) }
            try Sequential(Linear(inputSize: 3, outputSize: 4), BatchNorm1D(features: 4)).loadState(file.tensors)
        }
        #expect(result.threw > 0 && result.loaded > 0)   // some flips land in data bytes and load
    }

    @Test func trainingCheckpoints() throws {
        let model = Sequential(Linear(inputSize: 3, outputSize: 4), ReLU(), Linear(inputSize: 4, outputSize: 2))
        let optimizer = Adam(for: model)
        for _ in 0..<2 {
            optimizer.zeroGradients()
            model(Tensor(randomNormal: [5, 3], seed: 1)).squared().mean().backward()
            optimizer.step()
        }
        let path = try makeTemporaryFolder() + "/original.ckpt"
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 1, step: 2, extra: ["engine.iteration": "2"]).save(to: path)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let result = try fuzz(original, name: "train.ckpt", seed: 4) { path in
            let checkpoint = try TrainingCheckpoint(contentsOf: path)
            let fresh = Sequential(Linear(inputSize: 3, outputSize: 4), ReLU(), Linear(inputSize: 4, outputSize: 2))
            try checkpoint.restore(model: fresh, optimizer: Adam(for: fresh))
        }
        // The checksum leaves almost nothing loadable: a mutation either breaks the format or is caught.
        #expect(result.threw > Self.mutationsPerFile * 9 / 10)
    }
}
