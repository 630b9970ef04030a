import Testing
import TensorCore
import TestSupport
import Datasets

/// End-to-end training on the real MNIST: accuracy, bit-for-bit determinism, and exact resume.
@Suite(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"), .serialized)
struct TrainingTests {
    static let mnist = try! MNIST.load()

    /// A small network with dropout, so the random generator's state matters too.
    static func makeNetwork() -> Sequential {
        Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 64), ReLU(), Dropout(probability: 0.2),
                   Linear(inFeatures: 64, outFeatures: 10))
    }

    /// Trains `network` for the global steps `range` (batch `step % batchesPerEpoch` of epoch
    /// `step / batchesPerEpoch`), one optimizer and scheduler step each.
    static func train(_ network: any Module<Tensor>, _ optimizer: any Optimizer, _ scheduler: LearningRateScheduler,
                      loader: DataLoader<MNISTDataset>, steps range: Range<Int>) {
        for step in range {
            let epoch = step / loader.batchesPerEpoch, index = step % loader.batchesPerEpoch
            let batch = loader.batch(index, epoch: epoch)
            let loss = crossEntropy(logits: network(batch.inputs), labels: batch.labels)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
            scheduler.step()
        }
    }

    static func weights(seed: UInt64, steps: Int) -> [[Float]] {
        withRandomScope(seed: seed) {
        let network = makeNetwork()
        let optimizer = Adam(for: network, learningRate: 2e-3)
        let scheduler = LearningRateScheduler(StepDecay(stepSize: 50, gamma: 0.5), optimizer: optimizer)
        let loader = DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: seed)
        train(network, optimizer, scheduler, loader: loader, steps: 0..<steps)
        return network.parameters.map(\.scalars)
        }
    }

    // Comparisons go through Bool locals: a failing #expect on two weight arrays would print
    // hundreds of thousands of numbers.
    @Test func sameSeedGivesBitIdenticalWeights() {
        let first = Self.weights(seed: 11, steps: 60)
        let repeated = first == Self.weights(seed: 11, steps: 60)
        let differs = first != Self.weights(seed: 12, steps: 60)
        #expect(repeated, "the same seed gave different weights")
        #expect(differs, "another seed gave the same weights")
    }

    @Test func resumingMidEpochMatchesAnUninterruptedRun() throws {
        let total = 120, stop = 77   // 938 batches per epoch: the stop is mid-epoch
        let uninterrupted = Self.weights(seed: 3, steps: total)
        try withRandomScope(seed: 3) {
        var network = Self.makeNetwork()
        var optimizer = Adam(for: network, learningRate: 2e-3)
        var scheduler = LearningRateScheduler(StepDecay(stepSize: 50, gamma: 0.5), optimizer: optimizer)
        let loader = DataLoader(Self.mnist.train, batchSize: 64, shuffle: true, seed: 3)
        Self.train(network, optimizer, scheduler, loader: loader, steps: 0..<stop)
        let path = try makeTemporaryFolder() + "/resume.ckpt"
        try TrainingCheckpoint(model: network, optimizer: optimizer, scheduler: scheduler, epoch: 0, step: stop).save(to: path)

        // A fresh process would start from other weights and another generator state.
        seedEverything(999)
        network = Self.makeNetwork()
        optimizer = Adam(for: network, learningRate: 2e-3)
        scheduler = LearningRateScheduler(StepDecay(stepSize: 50, gamma: 0.5), optimizer: optimizer)
        let checkpoint = try TrainingCheckpoint(contentsOf: path)
        try checkpoint.restore(model: network, optimizer: optimizer, scheduler: scheduler)
        Self.train(network, optimizer, scheduler, loader: loader, steps: checkpoint.step..<total)
        let identical = network.parameters.map(\.scalars) == uninterrupted
        #expect(identical, "the resumed run's weights differ from the uninterrupted run's")
        }
    }

    @Test func mlpReachesReferenceAccuracyInOneEpoch() {
        withRandomScope(seed: 0) {
        let network = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(),
                                 Linear(inFeatures: 256, outFeatures: 128), ReLU(), Linear(inFeatures: 128, outFeatures: 10))
        let optimizer = Adam(for: network, learningRate: 1e-3)
        for batch in DataLoader(Self.mnist.train, batchSize: 64, shuffle: true, seed: 0).batches(epoch: 0) {
            let loss = crossEntropy(logits: network(batch.inputs), labels: batch.labels)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        network.eval()
        var correct: Float = 0
        withoutGradient {
            for batch in DataLoader(Self.mnist.test, batchSize: 1000).batches(epoch: 0) {
                correct += (network(batch.inputs).argmax(alongAxis: 1) .== batch.labels).sum().scalar
            }
        }
        let accuracy = correct / Float(Self.mnist.test.count)
        #expect(accuracy >= 0.955, "test accuracy \(accuracy)")
        }
    }
}
