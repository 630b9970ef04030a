import Foundation
import Testing
import Events
import Structured
import TensorCore

/// The Structured side of the batch-size finder. Process-wide memory counts: runs alone (see
/// EventsTests' BatchSizeFinderTests).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SWIFTTRAIN_MEMORY_TESTS"] != nil,
                "measures process-wide memory: runs alone, from Scripts/test.sh"))
struct TunerMemoryTests {
    /// The Tuner scales the batch with the module's own step, through Events' finder.
    @Test func theTunerScalesTheBatchUnderAMemoryLimit() throws {
        let module = Classifier()
        let weights = module.parameters.map(\.scalars)
        let result = try Tuner(trainer: quietTrainer()).scaleBatchSize(module, memoryLimit: 64 << 10) { size in
            LabeledBatch(inputs: Tensor(randomNormal: [size, 4], seed: 1), labels: Tensor((0..<size).map { Float($0 % 3) }))
        }
        let size = try #require(result.size)
        #expect(size >= 8 && result.trials.last!.peakBytes > 64 << 10)
        #expect(module.parameters.map(\.scalars) == weights)
    }
}
