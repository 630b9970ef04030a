import Foundation
import Testing
import TensorCore
import TestSupport

/// Files made to break the readers: each is a thrown error naming the file and the field.
@Suite struct HostileFileTests {
    /// A safetensors file with `header` as its JSON header and `dataBytes` zero data bytes.
    func safetensors(_ header: String, dataBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
    }

    func expectCorrupt(_ bytes: [UInt8], mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try SafeTensorsFile(bytes: bytes, path: "evil.safetensors") } throws: { error in
            guard case .corrupt(let path, let reason) = error as? CheckpointError else { return false }
            return path == "evil.safetensors" && reason.contains(text)
        }
    }

    @Test func aShapeWhoseSizeOverflowsIsAnError() {
        let huge = safetensors(#"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}"#, dataBytes: 4)
        expectCorrupt(huge, mentioning: "entry a of shape [1099511627776, 1099511627776]")
    }

    @Test func dataRangesMustTileTheDataExactly() throws {
        let entry = { (name: String, begin: Int, end: Int) in
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\((end - begin) / 4)],\"data_offsets\":[\(begin),\(end)]}"
        }
        expectCorrupt(safetensors("{\(entry("a", 0, 8)),\(entry("b", 4, 12))}", dataBytes: 12), mentioning: "overlaps")
        expectCorrupt(safetensors("{\(entry("a", 0, 8)),\(entry("b", 0, 8))}", dataBytes: 8), mentioning: "overlaps")   // aliased
        expectCorrupt(safetensors("{\(entry("a", 0, 4)),\(entry("b", 8, 12))}", dataBytes: 12), mentioning: "belong to no entry")   // gap
        expectCorrupt(safetensors("{\(entry("a", 0, 4))}", dataBytes: 8), mentioning: "belong to no entry")   // trailing
        expectCorrupt(safetensors("{\(entry("a", 4, 8))}", dataBytes: 8), mentioning: "belong to no entry")   // hole first
        // Listed out of order but tiling the data: valid, read in offset order.
        let valid = safetensors("{\(entry("b", 4, 8)),\(entry("a", 0, 4))}", dataBytes: 8)
        #expect(try SafeTensorsFile(bytes: valid).tensors.map(\.name) == ["a", "b"])
    }

    /// A checkpoint of an Adam optimizer after one step, as safetensors to tamper with.
    func adamCheckpoint() throws -> SafeTensorsFile {
        let model = Sequential(Linear(inFeatures: 2, outFeatures: 2))
        let optimizer = Adam(for: model)
        (model(Tensor([[1, 2]])).sum()).backward()
        optimizer.step()
        let path = try makeTemporaryFolder() + "/adam.ckpt"
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 1, step: 1).save(to: path)
        return try SafeTensorsFile(contentsOf: path)
    }

    /// Writes `file` with `change` applied to its metadata, in the format without a checksum
    /// (still read), so that only the number checks stand between the values and `restore`.
    func tampered(_ file: SafeTensorsFile, _ change: (inout [String: String]) -> Void) throws -> String {
        var copy = file
        copy.metadata["format"] = "swifttrain-checkpoint-1"
        copy.metadata["checksum"] = nil
        change(&copy.metadata)
        let path = try makeTemporaryFolder() + "/tampered.ckpt"
        try copy.write(to: path)
        return path
    }

    @Test func absurdNumbersInACheckpointAreErrors() throws {
        let file = try adamCheckpoint()
        let numbers = file.metadata["optimizer_numbers"]!
        #expect(numbers.contains("\"step.0\":1"))
        for (bad, field) in [("1e19", "step.0"), ("1e300", "step.0"), ("-3", "step.0"), ("2.5", "step.0")] {
            let path = try tampered(file) { $0["optimizer_numbers"] = numbers.replacingOccurrences(of: "\"step.0\":1", with: "\"step.0\":\(bad)") }
            #expect(throws: CheckpointError.self, "step \(bad)") {
                let checkpoint = try TrainingCheckpoint(contentsOf: path)
                let model = Sequential(Linear(inFeatures: 2, outFeatures: 2))
                try checkpoint.restore(model: model, optimizer: Adam(for: model))
            }
            #expect { try TrainingCheckpoint(contentsOf: path) } throws: { "\($0)".contains(field) }
        }
        let negativeRate = try tampered(file) { $0["optimizer_numbers"] = numbers.replacingOccurrences(of: "\"learning_rate\":", with: "\"learning_rate\":-") }
        #expect { try TrainingCheckpoint(contentsOf: negativeRate) } throws: { "\($0)".contains("learning_rate") }
        for (key, value) in [("epoch", "-1"), ("step", "99999999999999999999"), ("scheduler_step", "-5"), ("random_state", "0,0,0,0")] {
            let path = try tampered(file) { $0[key] = value }
            #expect { try TrainingCheckpoint(contentsOf: path) } throws: { "\($0)".contains(key) }
        }
    }

    /// The CRC-32 catches a flipped bit anywhere in the tensors or the entries.
    @Test func flippedBitsAreReportedNotLoaded() throws {
        let file = try adamCheckpoint()
        let bytes = file.serialized()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        let dataStart = 8 + headerLength
        for offset in [bytes.count - 1, dataStart + 3, (dataStart + bytes.count) / 2] {
            var flipped = bytes
            flipped[offset] ^= 0x10
            let path = try makeTemporaryFolder() + "/flipped.ckpt"
            try Data(flipped).write(to: URL(fileURLWithPath: path))
            #expect { try TrainingCheckpoint(contentsOf: path) } throws: { "\($0)".contains("checksum") }
        }
        var altered = file
        altered.metadata["epoch"] = "7"
        let path = try makeTemporaryFolder() + "/altered.ckpt"
        try altered.write(to: path)
        #expect { try TrainingCheckpoint(contentsOf: path) } throws: { "\($0)".contains("checksum") }
    }
}

@Suite struct LeftoverTests {
    /// A save removes temporaries that a killed writer left (its process is gone), not those of
    /// a writer still running.
    @Test func staleTemporariesAreRemovedOnTheNextSave() throws {
        let folder = try makeTemporaryFolder()
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = "\(folder)/.model.ckpt.tmp-\(finished.processIdentifier)-12345"
        let live = "\(folder)/.model.ckpt.tmp-\(getpid())-678"
        for path in [stale, live] { _ = FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])) }
        try writeAtomically([1], to: "\(folder)/other.bin")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
    }
}
