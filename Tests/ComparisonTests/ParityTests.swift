import Testing
import MNISTModels
import MNISTRuns
import TensorCore
import TestSupport
import Datasets

/// Paradigm parity: with the same seed, the raw core loop, the Events frontend and the Structured
/// frontend end with bit-identical weights, for every reference model (on a 640-image subset of
/// the real MNIST, so the suite stays fast; `mnist-compare` shows the same on full epochs).
@Suite(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"), .serialized)
struct ParityTests {
    static let mnist = try! MNIST.load()

    @Test(arguments: ReferenceModel.allCases)
    func threeFrontendsTrainToTheSameWeights(_ model: ReferenceModel) throws {
        var options = RunOptions()
        options.model = model
        options.epochs = 2
        options.limit = 640
        options.seed = 5
        // Each run in its own random scope: `seedEverything` inside the runs then seeds that scope,
        // and suites running in parallel cannot draw from the same generator.
        let core = try withRandomScope(seed: 0) { try trainWithCore(options, data: Self.mnist) }
        let events = try withRandomScope(seed: 0) {
            try trainWithEvents(options, data: Self.mnist, checkpointDirectory: nil, showProgress: false)
        }
        let structured = try withRandomScope(seed: 0) {
            try trainWithStructured(options, data: Self.mnist, checkpointDirectory: nil, showProgress: false)
        }
        #expect(core.record.weightsCRC32 == events.record.weightsCRC32)
        #expect(core.record.weightsCRC32 == structured.record.weightsCRC32)
        #expect(core.record.finalLoss == events.record.finalLoss && core.record.finalLoss == structured.record.finalLoss)
        #expect(core.accuracyCurve.map(\.accuracy) == events.accuracyCurve.map(\.accuracy))
        #expect(core.accuracyCurve.map(\.accuracy) == structured.accuracyCurve.map(\.accuracy))
        #expect(events.record.epochs == 2 && structured.record.epochs == 2)
    }
}
