import Foundation
import Testing
import TensorCore
import TestSupport

@Suite struct CheckpointTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    @Test func modelStateRoundTrips() throws { try withRandomScope(seed: 1) {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1D(features: 4))
        _ = model(Tensor(randomNormal: [5, 3], seed: 2))   // moves the running statistics
        let path = try makeTemporaryFolder() + "/model.safetensors"
        try model.saveState(to: path, metadata: ["note": "round trip"])
        seedEverything(9)
        let copy = Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1D(features: 4))
        let differentBefore = copy.namedState.map(\.tensor.scalars) != model.namedState.map(\.tensor.scalars)
        #expect(differentBefore)
        try copy.loadState(from: path)
        #expect(copy.namedState.map(\.name) == model.namedState.map(\.name))
        let equalAfter = copy.namedState.map(\.tensor.scalars) == model.namedState.map(\.tensor.scalars)
        #expect(equalAfter, "loaded values differ from saved ones")
        #expect(try SafeTensorsFile(contentsOf: path).metadata == ["note": "round trip"])
    } }

    @Test func readsAFileWrittenByPython() throws {
        let file = try SafeTensorsFile(contentsOf: Self.fixtures + "/python_written.safetensors")
        #expect(file.metadata == ["source": "python"])
        #expect(file["fc.weight"]?.shape == [2, 3])
        #expect(file["fc.weight"]?.scalars == [0, 0.5, 1, 1.5, 2, 2.5])
        #expect(file["fc.bias"]?.scalars == [-1, 2])
        #expect(file["bn.num_batches_tracked"]?.shape == [])
        #expect(file["bn.num_batches_tracked"]?.scalar == 7)      // I64 converted
        #expect(file["bn.running_var"]?.scalars == [0.25, 4])    // F64 converted
    }

    /// The bytes Python verifies (`make_safetensors_fixture.py`) are exactly what we write.
    @Test func writesTheFilePythonVerified() throws {
        let layer = Linear(inFeatures: 3, outFeatures: 2)
        layer.weight.assign(Tensor([[1.5, -2.0, 0.25], [3.0, 0.0, -0.125]]))
        layer.bias!.assign(Tensor([0.5, -4.0]))
        let bytes = SafeTensorsFile(tensors: layer.namedState, metadata: ["written_by": "swifttrain"]).serialized()
        let path = Self.fixtures + "/swift_written.safetensors"
        if ProcessInfo.processInfo.environment["REGENERATE_FIXTURES"] != nil {
            try writeAtomically(bytes, to: path)
        }
        #expect(bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(bytes.count % 8 == 0 || (bytes.count - 8 - 6 * 4) % 8 == 0)
    }

    @Test func everyTruncationIsACleanError() throws {
        let bytes = SafeTensorsFile(tensors: [("a", Tensor([1, 2, 3])), ("b", Tensor(zeros: [2, 2]))]).serialized()
        for length in 0..<bytes.count {
            #expect(throws: CheckpointError.self) { try SafeTensorsFile(bytes: Array(bytes.prefix(length)), path: "cut") }
        }
        var garbage = bytes
        garbage[8] = UInt8(ascii: "#")   // the header's opening brace
        #expect(throws: CheckpointError.corrupt(path: "bad", reason: "header is not a JSON object")) {
            try SafeTensorsFile(bytes: garbage, path: "bad")
        }
    }

    @Test func mismatchedModelIsLeftUntouched() throws { try withRandomScope(seed: 4) {
        let small = Linear(inFeatures: 3, outFeatures: 2)
        let path = try makeTemporaryFolder() + "/small.safetensors"
        try small.saveState(to: path)
        let other = Sequential(Linear(inFeatures: 3, outFeatures: 5))
        let before = other.namedState.map(\.tensor.scalars)
        #expect(throws: CheckpointError.unexpectedEntry(name: "weight")) { try other.loadState(from: path) }
        let wider = Linear(inFeatures: 3, outFeatures: 5)
        let widerBefore = wider.weight.scalars
        #expect(throws: CheckpointError.shapeMismatch(name: "weight", expected: [5, 3], found: [2, 3])) {
            try wider.loadState(from: path)
        }
        #expect(other.namedState.map(\.tensor.scalars) == before)
        #expect(wider.weight.scalars == widerBefore)
        #expect(throws: CheckpointError.io(path: "/nonexistent/x", reason: "no such file")) {
            try small.loadState(from: "/nonexistent/x")
        }
    } }

    @Test func failedAtomicWriteLeavesNothingBehind() throws {
        let folder = try makeTemporaryFolder()
        let target = folder + "/occupied"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        #expect(throws: CheckpointError.self) { try writeAtomically([1, 2, 3], to: target) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["occupied"])
        #expect(throws: CheckpointError.self) { try writeAtomically([1], to: folder + "/missing/file") }
        try writeAtomically([1, 2], to: folder + "/file")
        try writeAtomically([3], to: folder + "/file")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/file"))) == [3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["file", "occupied"])
    }

    @Test func trainingCheckpointRefusesAnotherModelWithoutChangingAnything() throws { try withRandomScope(seed: 5) {
        let model = Linear(inFeatures: 4, outFeatures: 3)
        let optimizer = Adam(for: model, learningRate: 0.01)
        model(Tensor(ones: [2, 4])).sum().backward()
        optimizer.step()
        let path = try makeTemporaryFolder() + "/run.ckpt"
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 2, step: 40, extra: ["batch": "7"]).save(to: path)

        let loaded = try TrainingCheckpoint(contentsOf: path)
        #expect(loaded.epoch == 2 && loaded.step == 40 && loaded.extra == ["batch": "7"])

        let other = Linear(inFeatures: 4, outFeatures: 2)
        let otherOptimizer = Adam(for: other, learningRate: 0.5)
        let before = other.weight.scalars
        #expect(throws: CheckpointError.shapeMismatch(name: "weight", expected: [2, 4], found: [3, 4])) {
            try loaded.restore(model: other, optimizer: otherOptimizer)
        }
        #expect(other.weight.scalars == before)
        #expect(otherOptimizer.learningRate == 0.5)

        try model.saveState(to: path + ".plain")
        #expect(throws: CheckpointError.self) { try TrainingCheckpoint(contentsOf: path + ".plain") }
    } }
}
