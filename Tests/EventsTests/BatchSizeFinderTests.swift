import Foundation
import Testing
import Events
import TensorCore

/// Lightning's power-mode batch scaling on a CPU: batches double while a step's measured peak
/// tensor bytes stay under the limit. Tensor bytes are counted process-wide, so these run alone
/// in their own process (`Scripts/test.sh` sets SWIFTTRAIN_MEMORY_TESTS for that run); in the
/// parallel suite other tests' tensors would count too.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SWIFTTRAIN_MEMORY_TESTS"] != nil,
                             "measures process-wide memory: runs alone, from Scripts/test.sh"))
struct BatchSizeFinderTests {
    func batch(_ size: Int) -> LabeledBatch {
        LabeledBatch(inputs: Tensor(randomNormal: [size, 784], seed: UInt64(size)), labels: Tensor((0..<size).map { Float($0 % 10) }))
    }

    @Test func theLargestBatchUnderTheLimitWinsAndNothingChanges() throws {
        let model = Sequential(Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 10))
        let optimizer = Adam(for: model, learningRate: 1e-3)
        let weights = model.parameters.map(\.scalars)
        // Adam's moments (2 x 804 KB) and the gradients count too; activations grow with the batch.
        let limit = 12 << 20
        let result = try BatchSizeFinder(memoryLimit: limit, initialSize: 8).run(model: model, optimizer: optimizer, batch: batch) { batch in
            (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
        }
        let sizes = result.trials.map(\.size), peaks = result.trials.map(\.peakBytes)
        #expect(sizes == Array(sizes.indices.map { 8 << $0 }))
        #expect(zip(peaks, peaks.dropFirst()).allSatisfy { $0 < $1 }, "peaks grow with the batch: \(result.trials)")
        let size = try #require(result.size)
        #expect(peaks[sizes.firstIndex(of: size)!] <= limit && peaks.last! > limit)
        #expect(size >= 64 && size <= 4096)
        print("batch-size finder, 784-256-10 mlp with Adam, limit 12 MiB: " + result.trials.map { "\($0.size): \($0.peakBytes / 1024) KiB" }.joined(separator: ", ") + "; chosen \(size)")
        #expect(model.parameters.map(\.scalars) == weights && model.parameters.allSatisfy { $0.gradient == nil })
    }

    @Test func aLimitBelowTheFirstTrialFindsNothing() throws {
        let model = Sequential(Linear(inFeatures: 784, outFeatures: 10))
        let result = try BatchSizeFinder(memoryLimit: 1024).run(model: model, optimizer: SGD(for: model, learningRate: 0.1), batch: batch) { batch in
            (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
        }
        #expect(result.size == nil && result.trials.count == 1)
    }
}
