import Foundation
import Testing
import TensorCore
import TestSupport

/// Seeded mutations (``mutateFile(_:using:)``) of the core's file formats, each loaded in-process: every case
/// must end in a thrown error or a correct load. A trap would end the test process, so finishing
/// at all is the check for "no crash"; the gzip reader's bound (never past the declared size)
/// keeps memory in check, and every mutated file is small, so nothing can hang.
@Suite struct FuzzTests {
    @Test func safetensorsFiles() throws {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1D(features: 4))
        let original = SafeTensorsFile(tensors: model.namedState, metadata: ["note": "fuzz"]).serialized()
        let result = try fuzzFiles(original, name: "model.safetensors", seed: 3) { path in
            let file = try SafeTensorsFile(contentsOf: path)
            for (_, tensor) in file.tensors { #expect(tensor.scalars.count == tensor.shape.reduce(1, *)) }
            try Sequential(Linear(inFeatures: 3, outFeatures: 4), BatchNorm1D(features: 4)).loadState(file.tensors)
        }
        #expect(result.threw > 0 && result.loaded > 0)   // some flips land in data bytes and load
    }

    @Test func trainingCheckpoints() throws {
        let model = Sequential(Linear(inFeatures: 3, outFeatures: 4), ReLU(), Linear(inFeatures: 4, outFeatures: 2))
        let optimizer = Adam(for: model)
        for _ in 0..<2 {
            optimizer.zeroGradients()
            model(Tensor(randomNormal: [5, 3], seed: 1)).squared().mean().backward()
            optimizer.step()
        }
        let path = try makeTemporaryFolder() + "/original.ckpt"
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 1, step: 2, extra: ["engine.iteration": "2"]).save(to: path)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let result = try fuzzFiles(original, name: "train.ckpt", seed: 4) { path in
            let checkpoint = try TrainingCheckpoint(contentsOf: path)
            let fresh = Sequential(Linear(inFeatures: 3, outFeatures: 4), ReLU(), Linear(inFeatures: 4, outFeatures: 2))
            try checkpoint.restore(model: fresh, optimizer: Adam(for: fresh))
        }
        // The checksum leaves almost nothing loadable: a mutation either breaks the format or is caught.
        #expect(result.threw > fuzzMutationsPerFile * 9 / 10)
    }
}
