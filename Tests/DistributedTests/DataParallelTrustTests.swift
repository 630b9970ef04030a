import Foundation
import Testing
import Events
import Metrics
import Structured
import TensorCore
import TestSupport
import Distributed

/// Counts the examples each evaluation sees, and their accuracy, through synchronized metrics.
final class CountingModule: TrainingModule {
    let network = makeNetwork()
    let seen = Metrics.Sum(name: "seen")
    let accuracy = Metrics.Accuracy(task: .multiclass(classes: 3))
    var isTraining = true
    var children: [(String, any TensorCore.Module)] { [("network", network)] }
    func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(logits: self(batch.inputs), labels: batch.labels)
    }
    func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws { try count(batch, prefix: "val") }
    func testStep(_ batch: LabeledBatch, batchIndex: Int) throws { try count(batch, prefix: "test") }
    private func count(_ batch: LabeledBatch, prefix: String) throws {
        seen.update(Float(batch.count))
        try accuracy.update(predictions: self(batch.inputs), targets: batch.labels)
        try log("\(prefix)_seen", seen)
        try log("\(prefix)_accuracy", accuracy)
    }
    func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
}

/// A network with BatchNorm, whose running statistics differ between ranks' shards.
final class NormalizedModule: TrainingModule {
    let network = Sequential(Linear(inFeatures: 4, outFeatures: 8), BatchNorm1D(features: 8), ReLU(), Linear(inFeatures: 8, outFeatures: 3))
    var isTraining = true
    var children: [(String, any TensorCore.Module)] { [("network", network)] }
    func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(logits: self(batch.inputs), labels: batch.labels)
    }
    func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
}

/// Manual optimization: the module runs backward and the step itself.
final class ManualModule: TrainingModule {
    let network = makeNetwork()
    var isTraining = true
    var automaticOptimization: Bool { false }
    var children: [(String, any TensorCore.Module)] { [("network", network)] }
    func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        optimizer!.zeroGradients()
        try manualBackward(crossEntropy(logits: self(batch.inputs), labels: batch.labels))
        optimizer!.step()
        return nil
    }
    func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(Adam(for: self, learningRate: 0.01)) }
}

func quietDataParallelTrainer(_ communicator: any Communicator, maxEpochs: Int = 2) -> Trainer {
    let trainer = Trainer(maxEpochs: maxEpochs)
    trainer.communicator = communicator
    (trainer.loggers, trainer.enableCheckpointing, trainer.enableProgressBar, trainer.enableModelSummary) = ([], false, false, false)
    return trainer
}

/// `validate` and `test` over `worldSize` ranks see each of 10,001 examples once.
func evaluationCounts(worldSize: Int) throws -> [[String: Float]] {
    try InProcessCommunicator.run(worldSize: worldSize) { world in
        let data = syntheticData(count: 10_001)   // each rank reads the same data
        return try withRandomScope(seed: 5) {
            let module = CountingModule()
            let trainer = quietDataParallelTrainer(world)
            let tested = try trainer.test(module, data: DataLoader(data, batchSize: 1000))
            let validated = try trainer.validate(module, data: DataLoader(data, batchSize: 1000))
            return tested.merging(validated) { a, _ in a }
        }
    }
}

@Suite struct DataParallelTrustTests {
    @Test(arguments: [2, 3]) func testAndValidateCountEachExampleOnce(worldSize: Int) throws {
        let data = syntheticData(count: 10_001)
        let single = try withRandomScope(seed: 5) {
            let module = CountingModule()
            return try Metrics.accuracy(predictions: module(data.inputs), targets: data.labels, task: .multiclass(classes: 3)).scalar
        }
        for values in try evaluationCounts(worldSize: worldSize) {
            #expect(values["test_seen"] == 10_001 && values["val_seen"] == 10_001, "\(values)")
            #expect(values["test_accuracy"] == single && values["val_accuracy"] == single)
        }
    }

    /// Events: an evaluation shard covers every example once, however uneven.
    @Test(arguments: [2, 3]) func evaluatorShardsCoverEveryExampleOnce(worldSize: Int) throws {
        let counts = try InProcessCommunicator.run(worldSize: worldSize) { world in
            let data = syntheticData(count: 10_001)
            let seen = Metrics.Sum(name: "seen")
            let evaluator = supervisedEvaluator(model: makeNetwork(), communicator: world)
            evaluator.on(.iterationCompleted) { seen.update(Float($0.state.output!.targets.shape[0])) }
            try evaluator.run(DataLoader(data, batchSize: 1000).evaluationShard(rank: world.rank, worldSize: worldSize))
            return try seen.compute(over: world).scalar
        }
        #expect(counts == Array(repeating: 10_001, count: worldSize))
    }

    /// Running statistics follow rank 0 after every step (DDP's `broadcast_buffers`), so ranks
    /// agree and the checkpoint holds what every rank holds.
    @Test func batchNormBuffersAgreeAcrossRanksAndWithTheCheckpoint() throws {
        let folder = try makeTemporaryFolder()
        let buffers = try InProcessCommunicator.run(worldSize: 2) { world in
            try withRandomScope(seed: 6) {
                let module = NormalizedModule()
                let trainer = quietDataParallelTrainer(world)
                trainer.callbacks = [CheckpointCallback(directory: folder, filename: "final")]
                try trainer.fit(module, train: DataLoader(syntheticData(), batchSize: 16, shuffle: true, seed: 2))
                return module.namedBuffers.flatMap(\.tensor.scalars)
            }
        }
        #expect(buffers[0] == buffers[1], "ranks hold different running statistics")
        let saved = try TrainingCheckpoint(contentsOf: "\(folder)/final.ckpt").modelState
            .filter { $0.name.contains("running") || $0.name.contains("num_batches") }.flatMap(\.tensor.scalars)
        #expect(saved == buffers[0])

        let events = try InProcessCommunicator.run(worldSize: 2) { world in
            try withRandomScope(seed: 6) {
                let model = NormalizedModule()
                let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.1),
                                                options: SupervisedOptions(communicator: world))
                try trainer.run(DataLoader(syntheticData(), batchSize: 16, shuffle: true, seed: 2).sharded(rank: world.rank, worldSize: 2), maxEpochs: 2)
                return model.namedBuffers.flatMap(\.tensor.scalars)
            }
        }
        #expect(events[0] == events[1], "Events: ranks hold different running statistics")
    }

    /// `manualBackward` averages gradients across ranks, as DDP's backward does.
    @Test func manualOptimizationIsSynchronized() throws {
        let reference = singleProcessWeights()
        let results = try InProcessCommunicator.run(worldSize: 2) { world in
            try withRandomScope(seed: 42) {
                let module = ManualModule()
                try quietDataParallelTrainer(world).fit(module, train: DataLoader(syntheticData(), batchSize: 32, shuffle: true, seed: 7))
                return module.parameters.flatMap(\.scalars)
            }
        }
        for weights in results { expectClose(weights, reference) }
        #expect(results[0] == results[1])
    }
}

@Suite struct DataParallelLoggingTests {
    /// A CSV logger made on every rank writes one version folder, on rank 0.
    @Test func csvLoggersWriteOnRankZeroOnly() throws {
        let root = try makeTemporaryFolder()
        _ = try InProcessCommunicator.run(worldSize: 2) { world in
            try withRandomScope(seed: 3) {
                let trainer = quietDataParallelTrainer(world, maxEpochs: 1)
                trainer.loggers = [try CSVLogger(root: root, name: "run")]
                trainer.logEveryNSteps = 1
                try trainer.fit(CountingModule(), train: DataLoader(syntheticData(), batchSize: 16))
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root)/run") == ["version_0"])
        #expect(FileManager.default.fileExists(atPath: "\(root)/run/version_0/metrics.csv"))
    }
}
