import Foundation
import Testing
import Events
import TensorCore
import TestSupport
import Distributed

/// Gradient buckets leave while backward still runs (PyTorch DDP's overlap), in reverse
/// parameter order, and the weights equal those of the path that sends every bucket after
/// backward, bit for bit.
@Suite struct OverlapTests {
    /// A communicator that notes, at each started all-reduce, which parameters still have no
    /// gradient: the proof that a bucket left before backward finished.
    final class Watching: Communicator {
        let inner: any Communicator
        var watched: [Tensor] = []
        var stillMissing: [[Int]] = []
        init(_ inner: any Communicator) { self.inner = inner }
        var rank: Int { inner.rank }
        var worldSize: Int { inner.worldSize }
        func allReduce<Scalar: CommunicationScalar>(_ values: inout [Scalar], operation: ReductionOperation) throws {
            try inner.allReduce(&values, operation: operation)
        }
        func startAllReduce(_ values: consuming [Float], operation: ReductionOperation) throws -> PendingReduction {
            stillMissing.append(watched.indices.filter { watched[$0].gradient == nil })
            return try inner.startAllReduce(values, operation: operation)
        }
        func broadcast<Scalar: CommunicationScalar>(_ values: inout [Scalar], from root: Int) throws { try inner.broadcast(&values, from: root) }
        func allGather<Scalar: CommunicationScalar>(_ values: [Scalar]) throws -> [[Scalar]] { try inner.allGather(values) }
        func reduceScatter<Scalar: CommunicationScalar>(_ values: [Scalar], operation: ReductionOperation) throws -> [Scalar] {
            try inner.reduceScatter(values, operation: operation)
        }
        func barrier() throws { try inner.barrier() }
    }

    /// Two epochs of a three-layer network at `ranks` ranks with 1 KB buckets (several per step).
    static func train(ranks: Int, overlap: Bool, accumulation: Int = 1) throws -> [[Float]] {
        try InProcessCommunicator.run(worldSize: ranks, seed: 42) { communicator in
            let model = Sequential(Linear(inFeatures: 4, outFeatures: 32), ReLU(), Linear(inFeatures: 32, outFeatures: 16), ReLU(),
                                   Linear(inFeatures: 16, outFeatures: 3))
            let options = SupervisedOptions(gradientAccumulationSteps: accumulation, communicator: communicator)
            var settings = options
            settings.gradientBucketBytes = 1024
            let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.01), options: settings)
            trainer.optimization?.overlapsCommunication = overlap
            #expect(trainer.optimization?.overlapsCommunication == overlap)
            try trainer.run(DataLoader(syntheticData(), batchSize: 16, shuffle: true, seed: 7)
                .sharded(rank: communicator.rank, worldSize: communicator.worldSize), maxEpochs: 2)
            return model.parameters.flatMap(\.scalars)
        }
    }

    @Test(arguments: [2, 3]) func overlapEqualsNoOverlapBitForBit(ranks: Int) throws {
        let overlapped = try Self.train(ranks: ranks, overlap: true), sequential = try Self.train(ranks: ranks, overlap: false)
        #expect(overlapped == sequential)
        #expect(overlapped.allSatisfy { $0 == overlapped[0] }, "every rank holds the same weights")
        let accumulated = try Self.train(ranks: ranks, overlap: true, accumulation: 3)
        #expect(accumulated == (try Self.train(ranks: ranks, overlap: false, accumulation: 3)))
    }

    @Test func bucketsLeaveInReverseParameterOrderWhileBackwardRuns() throws {
        let missing = try InProcessCommunicator.run(worldSize: 2) { world in
            let communicator = Watching(world)
            let model = Sequential(Linear(inFeatures: 4, outFeatures: 32), ReLU(), Linear(inFeatures: 32, outFeatures: 3))
            communicator.watched = model.parameters
            // Filled from the last parameter: [bias 2, weight 2] (396 bytes), [bias 1], [weight 1].
            let synchronizer = GradientSynchronizer(parameters: model.parameters, communicator: communicator, bucketBytes: 400)
            #expect(synchronizer.bucketCount == 3)
            var batches = DataLoader(syntheticData(count: 8), batchSize: 8).batches(epoch: 0)
            let batch = batches.next()!
            synchronizer.prepareBackward(localExamples: batch.count)
            crossEntropy(logits: model(batch.inputs), labels: batch.labels).backward()
            let duringBackward = communicator.stillMissing
            try synchronizer.synchronize(localExamples: batch.count)
            // Without preparation both buckets leave after backward: nothing is missing.
            for parameter in model.parameters { parameter.gradient = nil }
            crossEntropy(logits: model(batch.inputs), labels: batch.labels).backward()
            try synchronizer.synchronize(localExamples: batch.count)
            return (duringBackward, Array(communicator.stillMissing.dropFirst(3)))
        }
        for (duringBackward, after) in missing {
            // The last layer's bucket left while the first layer's weight and bias had no gradient yet.
            #expect(duringBackward.count == 3 && duringBackward.first == [0, 1] && duringBackward.last == [])
            #expect(after == [[], [], []])
        }
    }
}
