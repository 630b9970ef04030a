import Foundation
import Testing
import Events
import Structured
import TensorCore
import TestSupport
import Metrics
import Distributed
import OpenMPI

/// 3 classes of 4-dimensional points; 100 examples so that the last global batch is partial.
func syntheticData(count: Int = 100, seed: UInt64 = 1) -> TensorDataset {
    var generator = RandomGenerator(seed: seed)
    let labels = (0..<count).map { _ in Float(Int.random(in: 0..<3, using: &generator)) }
    let inputs = Tensor(randomNormal: [count, 4], generator: &generator) + Tensor(oneHotAtIndices: labels.map { Int($0) }, depth: 4) * 2
    return TensorDataset(inputs: inputs, labels: Tensor(labels))
}

func makeNetwork() -> Sequential {
    Sequential(Linear(inFeatures: 4, outFeatures: 16), ReLU(), Linear(inFeatures: 16, outFeatures: 3))
}

/// ``makeNetwork()``'s two layers, each sharded over `communicator` (ZeRO-3).
func makeShardedNetwork(_ communicator: any Communicator) throws -> Sequential {
    Sequential(try FullyShardedLayer(Linear(inFeatures: 4, outFeatures: 16), communicator: communicator), ReLU(),
               try FullyShardedLayer(Linear(inFeatures: 16, outFeatures: 3), communicator: communicator))
}

/// Trains `model` with `optimizer` on this rank's share of `examples` synthetic examples (global
/// batch 12, shuffled) until epoch `epochs`, data-parallel over `communicator`: from the
/// checkpoint at `resume` when given, saving `folder/last.ckpt` after each epoch when given.
/// Returns the model's whole weights (gathered from every rank for sharded layers).
func trainCheckpointed(_ model: Sequential, _ optimizer: any Optimizer, over communicator: any Communicator, examples: Int = 96,
                       until epochs: Int, resume: String? = nil, saveTo folder: String? = nil) throws -> [Float] {
    let trainer = supervisedTrainer(model: model, optimizer: optimizer, options: SupervisedOptions(communicator: communicator))
    if let folder {
        ModelCheckpoint(directory: folder, prefix: "last", filename: "last").attach(to: trainer, at: .epochCompleted, model: model, optimizer: optimizer)
    }
    if let resume { try trainer.resume(from: resume, model: model, optimizer: optimizer) }
    try trainer.run(DataLoader(syntheticData(count: examples), batchSize: 12 / communicator.worldSize, shuffle: true, seed: 7)
        .sharded(rank: communicator.rank, worldSize: communicator.worldSize), maxEpochs: epochs)
    return try model.gatheredState().flatMap(\.tensor.scalars)
}

/// Saves after one epoch on `saved` ranks, then resumes that checkpoint on 1 to 4 ranks until
/// epoch 3: on `saved` ranks the run continues bit for bit; on others (the first epoch's sums were
/// rounded in another order) it ends within 1e-5 of an uninterrupted run. `run(ranks, epochs,
/// resume, folder)` trains and returns the whole weights. Returns the checkpoint's path.
func expectCheckpointResumesOnAnyRankCount(saved: Int, folderName: String,
                                          run: (_ ranks: Int, _ epochs: Int, _ resume: String?, _ folder: String?) throws -> [Float]) throws -> String {
    let folder = try makeTemporaryFolder(folderName)
    _ = try run(saved, 1, nil, folder)
    let checkpoint = "\(folder)/last.ckpt"
    for resumed in 1...4 {
        let continued = try run(resumed, 3, checkpoint, nil)
        let uninterrupted = try run(resumed, 3, nil, nil)
        if resumed == saved {
            #expect(continued == uninterrupted, "\(saved) -> \(resumed) ranks: the same run, bit for bit")
        } else {
            let worst = zip(continued, uninterrupted).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5, "\(saved) -> \(resumed) ranks: largest difference \(worst)")
        }
    }
    return checkpoint
}

/// One process, global batch 64, plain loop: the reference every distributed run must match.
func singleProcessWeights(epochs: Int = 2, batchSize: Int = 64,
                          optimizer make: (Sequential) -> any Optimizer = { Adam(for: $0, learningRate: 0.01) }) -> [Float] {
    withRandomScope(seed: 42) {
        let model = makeNetwork()
        let optimizer = make(model)
        let loader = DataLoader(syntheticData(), batchSize: batchSize, shuffle: true, seed: 7)
        for epoch in 0..<epochs {
            for batch in loader.batches(epoch: epoch) {
                let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
            }
        }
        return model.parameters.flatMap(\.scalars)
    }
}

/// Two epochs on this rank's shard (batch 32 per rank) with gradients averaged across ranks.
func trainShard(_ model: Sequential, _ optimizer: any Optimizer, _ communicator: any Communicator) throws {
    let synchronizer = GradientSynchronizer(parameters: model.parameters, communicator: communicator)
    let loader = DataLoader(syntheticData(), batchSize: 32, shuffle: true, seed: 7)
        .sharded(rank: communicator.rank, worldSize: communicator.worldSize)
    for epoch in 0..<2 {
        for batch in loader.batches(epoch: epoch) {
            let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
            optimizer.zeroGradients()
            loss.backward()
            try synchronizer.synchronize(localExamples: batch.count)
            optimizer.step()
        }
    }
}

func expectClose(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-5, "largest difference \(worst)", sourceLocation: sourceLocation)
}

@Suite struct DataParallelTests {
    @Test func shardsCoverEveryExampleOnceWithoutPadding() {
        let data = syntheticData(count: 100)
        for worldSize in [1, 2, 3] {
            let loaders = (0..<worldSize).map { DataLoader(data, batchSize: 16, shuffle: true, seed: 3).sharded(rank: $0, worldSize: worldSize) }
            #expect(Set(loaders.map(\.batchesPerEpoch)).count == 1)
            var seen: [Int] = []
            for number in 0..<loaders[0].batchesPerEpoch {
                for loader in loaders { seen += loader.batchIndices(number, epoch: 1) }
            }
            #expect(seen.sorted() == Array(0..<100), "world size \(worldSize)")
            #expect(seen == DataLoader(data, batchSize: 16, shuffle: true, seed: 3).order(epoch: 1))
        }
    }

    @Test func twoRanksOfThirtyTwoEqualOneProcessOfSixtyFour() throws {
        let reference = singleProcessWeights()
        let results = try InProcessCommunicator.run(worldSize: 2) { communicator in
            try withRandomScope(seed: 42) {
                let model = makeNetwork()
                try trainShard(model, Adam(for: model, learningRate: 0.01), communicator)
                return model.parameters.flatMap(\.scalars)
            }
        }
        for weights in results { expectClose(weights, reference) }
        #expect(results[0] == results[1], "ranks must hold identical weights")
    }

    @Test func bothFrontendsTrainDataParallelWithOneOption() throws {
        let reference = singleProcessWeights()
        let events = try InProcessCommunicator.run(worldSize: 2) { communicator in
            try withRandomScope(seed: 42) {
                let model = makeNetwork()
                let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.01),
                                                options: SupervisedOptions(communicator: communicator))
                try trainer.run(DataLoader(syntheticData(), batchSize: 32, shuffle: true, seed: 7)
                    .sharded(rank: communicator.rank, worldSize: 2), maxEpochs: 2)
                return model.parameters.flatMap(\.scalars)
            }
        }
        for weights in events { expectClose(weights, reference) }

        final class Module: TrainingModule {
            let network = makeNetwork()
            var isTraining = true
            var children: [(String, any TensorCore.Module)] { [("network", network)] }
            func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
                try log("loss", loss.scalar, onEpoch: true, syncAcrossProcesses: true)
                return loss
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(Adam(for: self, learningRate: 0.01)) }
        }
        let structured = try InProcessCommunicator.run(worldSize: 2) { communicator in
            try withRandomScope(seed: 42) {
                let module = Module()
                let trainer = Trainer(maxEpochs: 2)
                trainer.communicator = communicator
                (trainer.loggers, trainer.enableCheckpointing, trainer.enableProgressBar, trainer.enableModelSummary) = ([], false, false, false)
                // The loader is sharded by the trainer itself.
                let metrics = try trainer.fit(module, train: DataLoader(syntheticData(), batchSize: 32, shuffle: true, seed: 7))
                return (module.parameters.flatMap(\.scalars), metrics["loss_epoch"]!)
            }
        }
        for (weights, _) in structured { expectClose(weights, reference) }
        #expect(structured[0].1 == structured[1].1, "synchronized epoch values agree on every rank")
    }

    @Test func shardedOptimizerStateMatchesUnshardedAndHalvesMemory() throws {
        let reference = singleProcessWeights()
        let results = try InProcessCommunicator.run(worldSize: 2) { communicator in
            try withRandomScope(seed: 42) {
                let model = makeNetwork()
                let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator) {
                    Adam(parameters: $0, learningRate: 0.01)
                }
                try trainShard(model, optimizer, communicator)
                return (model.parameters.flatMap(\.scalars), optimizer.stateBytes)
            }
        }
        for (weights, bytes) in results {
            expectClose(weights, reference)
            // Adam's two moments for half of 131 parameters each.
            #expect(bytes.perRank <= 2 * 66 * 4 && bytes.unsharded >= 2 * 131 * 4 - 8)
        }
    }

    @Test func mismatchedModelsAreRefusedOnEveryRank() {
        #expect(throws: DistributedError.self) {
            _ = try InProcessCommunicator.run(worldSize: 2) { communicator in
                let model = communicator.rank == 0 ? Sequential(Linear(inFeatures: 4, outFeatures: 3)) : Sequential(Linear(inFeatures: 4, outFeatures: 2))
                try model.broadcastState(over: communicator)
            }
        }
    }

    @Test func evaluationCountsEachExampleOnce() throws {
        let accuracies = try InProcessCommunicator.run(worldSize: 3) { communicator in
            try withRandomScope(seed: 1) {
                let data = syntheticData(count: 101)
                let model = makeNetwork()
                let evaluator = supervisedEvaluator(model: model, metrics: ["accuracy": Metrics.Accuracy(task: .multiclass(classes: 3))],
                                                    communicator: communicator)
                try evaluator.run(DataLoader(data, batchSize: 10).sharded(rank: communicator.rank, worldSize: 3))
                return evaluator.state.metrics["accuracy"]!
            }
        }
        let data = syntheticData(count: 101)
        let single = try withRandomScope(seed: 1) {
            let model = makeNetwork()
            return try Metrics.accuracy(predictions: model(data.inputs), targets: data.labels, task: .multiclass(classes: 3)).scalar
        }
        #expect(accuracies.allSatisfy { $0 == single })
    }

    @Test func mpirunCommandLine() {
        let command = DataParallelLauncher.mpirunArguments(devices: 2, program: "/bin/prog", arguments: ["--model", "mlp"])
        #expect(command.first == "mpirun" && command.suffix(6) == ["--oversubscribe", "-np", "2", "/bin/prog", "--model", "mlp"])
        #expect(command.contains("--allow-run-as-root") == (geteuid() == 0))
    }
}
