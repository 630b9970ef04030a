import Foundation
import Testing
import Distributed
import Events
import Structured
import TensorCore
import OpenMPI

/// Runs only under `mpirun` (at 2 and 3 ranks, and on the two-node cluster; see `Scripts/test.sh`):
/// the same checks over real OpenMPI, at any number of ranks.
@Suite(.enabled(if: DataParallelLauncher.isLaunchedByMPI, "needs mpirun"), .serialized)
struct MPITests {
    @Test func collectivesOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        #expect(world.worldSize >= 2)
        let r = Float(world.rank)
        var sum: [Float] = [r, 1], mean: [Double] = [Double(world.rank)], high: [Float] = [r]
        try world.allReduce(&sum, operation: .sum)
        try world.allReduce(&mean, operation: .mean)
        try world.allReduce(&high, operation: .max)
        let n = Float(world.worldSize)
        #expect(sum == [n * (n - 1) / 2, n])
        #expect(mean == [Double(n - 1) / 2])
        #expect(high == [n - 1])
        var broadcast: [Float] = world.rank == 1 ? [5, 6] : [0, 0]
        try world.broadcast(&broadcast, from: 1)
        #expect(broadcast == [5, 6])
        let gathered = try world.allGather(Array(repeating: r, count: world.rank + 1))
        #expect(gathered.enumerated().allSatisfy { $0.element == Array(repeating: Float($0.offset), count: $0.offset + 1) })
        let scattered = try world.reduceScatter((0..<5).map(Float.init), operation: .sum)
        #expect(scattered == world.block(of: 5, for: world.rank).map { Float($0) * n })
        try world.barrier()
    }

    @Test func dataParallelTrainingEqualsOneProcess() throws {
        let world = try MPICommunicator.world()
        let reference = singleProcessWeights(batchSize: 64 / world.worldSize * world.worldSize)
        let events = try withRandomScope(seed: 42) {
            let model = makeNetwork()
            let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.01),
                                            options: SupervisedOptions(communicator: world))
            try trainer.run(DataLoader(syntheticData(), batchSize: 64 / world.worldSize, shuffle: true, seed: 7)
                .sharded(rank: world.rank, worldSize: world.worldSize), maxEpochs: 2)
            return model.parameters.flatMap(\.scalars)
        }
        expectClose(events, reference)
        var check = events
        try world.broadcast(&check, from: 0)
        #expect(check == events, "every rank holds rank 0's weights")

        // Structured: the trainer shards the loader and averages gradients itself.
        final class Module: TrainingModule {
            let network = makeNetwork()
            var isTraining = true
            var children: [(String, any TensorCore.Module)] { [("network", network)] }
            func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(Adam(for: self, learningRate: 0.01)) }
        }
        let structured = try withRandomScope(seed: 42) {
            let module = Module()
            let trainer = Trainer(maxEpochs: 2)
            trainer.strategy = .dataParallel(launcher: MPILauncher())
            (trainer.loggers, trainer.enableCheckpointing, trainer.enableProgressBar, trainer.enableModelSummary) = ([], false, false, false)
            try trainer.fit(module, train: DataLoader(syntheticData(), batchSize: 64 / world.worldSize, shuffle: true, seed: 7))
            return module.parameters.flatMap(\.scalars)
        }
        expectClose(structured, reference)
    }

    /// Manual optimization averages gradients across ranks (it used to drift silently).
    @Test func manualOptimizationOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        let reference = singleProcessWeights(batchSize: 64 / world.worldSize * world.worldSize)
        let weights = try withRandomScope(seed: 42) {
            let module = ManualModule()
            let trainer = quietDataParallelTrainer(world)
            try trainer.fit(module, train: DataLoader(syntheticData(), batchSize: 64 / world.worldSize, shuffle: true, seed: 7))
            return module.parameters.flatMap(\.scalars)
        }
        expectClose(weights, reference)
    }

    /// BatchNorm buffers agree on every rank; `test` counts each of 10,001 examples once.
    @Test func buffersAndEvaluationOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        let buffers = try withRandomScope(seed: 6) {
            let module = NormalizedModule()
            try quietDataParallelTrainer(world).fit(module, train: DataLoader(syntheticData(count: 96), batchSize: 16, shuffle: true, seed: 2))
            return module.namedBuffers.flatMap(\.tensor.scalars)
        }
        var rootBuffers = buffers
        try world.broadcast(&rootBuffers, from: 0)
        #expect(rootBuffers == buffers, "rank \(world.rank) holds other running statistics than rank 0")
        let values = try withRandomScope(seed: 5) {
            try quietDataParallelTrainer(world).test(CountingModule(), data: DataLoader(syntheticData(count: 10_001), batchSize: 1000))
        }
        #expect(values["test_seen"] == 10_001)
    }

    /// Buckets all-reduced while backward runs (non-blocking, on the MPI queue) give the weights
    /// of buckets all-reduced after it, bit for bit, and match one process.
    @Test func overlappedAllReduceEqualsTheSequentialOneOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        func train(overlap: Bool) throws -> [Float] {
            try withRandomScope(seed: 42) {
                let model = makeNetwork()
                var options = SupervisedOptions(communicator: world)
                options.gradientBucketBytes = 200   // three buckets a step
                let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.01), options: options)
                trainer.optimization?.overlapsCommunication = overlap
                try trainer.run(DataLoader(syntheticData(), batchSize: 64 / world.worldSize, shuffle: true, seed: 7)
                    .sharded(rank: world.rank, worldSize: world.worldSize), maxEpochs: 2)
                return model.parameters.flatMap(\.scalars)
            }
        }
        let overlapped = try train(overlap: true)
        #expect(overlapped == (try train(overlap: false)))
        expectClose(overlapped, singleProcessWeights(batchSize: 64 / world.worldSize * world.worldSize))
    }

    /// ZeRO stage 2 (reduce-scatter) over OpenMPI gives plain data parallelism's weights, and a
    /// ZeRO checkpoint written by rank 0 from every rank's gathered state resumes exactly.
    @Test func shardedStagesAndTheirCheckpointsOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        // One folder for every rank: rank 0 names it.
        var tag = [Double(world.isMain ? Double(UInt32.random(in: 0...UInt32.max)) : 0)]
        try world.broadcast(&tag, from: 0)
        let folder = NSTemporaryDirectory() + "swifttrain-mpi-zero-\(UInt32(tag[0]))"
        func train(stage: ShardingStage?, until epochs: Int, resume: String? = nil, save: Bool = false) throws -> [Float] {
            try withRandomScope(seed: 42 &+ UInt64(world.rank)) {
                let model = makeNetwork()
                let optimizer: any Optimizer = stage.map { stage in
                    ShardedOptimizer(parameters: model.parameters, communicator: world, stage: stage) { Adam(parameters: $0, learningRate: 0.01) }
                } ?? Adam(for: model, learningRate: 0.01)
                return try trainCheckpointed(model, optimizer, over: world, examples: 100, until: epochs, resume: resume, saveTo: save ? folder : nil)
            }
        }
        let plain = try train(stage: nil, until: 3)
        let stageTwo = try train(stage: .gradients, until: 3)
        let worst = zip(stageTwo, plain).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "stage 2 against plain data parallelism: largest difference \(worst)")
        if world.worldSize == 2 { #expect(stageTwo == plain, "two ranks sum in one order either way: bit for bit") }

        _ = try train(stage: .optimizerState, until: 1, save: true)
        try world.barrier()
        let resumed = try train(stage: .optimizerState, until: 3, resume: folder + "/last.ckpt")
        #expect(resumed == (try train(stage: .optimizerState, until: 3)), "resumed from the gathered checkpoint: the same run")
        try world.barrier()
        if world.isMain { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// ZeRO stage 3 over OpenMPI: layers sharded at rest, gathered per layer, equal to plain data
    /// parallelism within 1e-5.
    @Test func fullyShardedLayersOverOpenMPI() throws {
        let world = try MPICommunicator.world()
        func train(sharded: Bool) throws -> [Float] {
            try withRandomScope(seed: 42 &+ UInt64(world.rank)) {
                let model = sharded ? try makeShardedNetwork(world) : makeNetwork()
                return try trainCheckpointed(model, Adam(for: model, learningRate: 0.01), over: world, until: 3)
            }
        }
        let sharded = try train(sharded: true), plain = try train(sharded: false)
        let worst = zip(sharded, plain).map { abs($0 - $1) }.max() ?? .infinity
        #expect(sharded.count == plain.count && worst <= 1e-6, "largest difference \(worst)")
    }

    /// Resharding across jobs (`Scripts/test.sh` runs the suite at 2 ranks, then at 3, with
    /// `SWIFTTRAIN_RESHARD_DIR` set): the 2-rank job saves a ZeRO-1 and a ZeRO-3 checkpoint
    /// after one epoch, the 3-rank job resumes from each and ends within 1e-5 of an
    /// uninterrupted 3-rank run.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWIFTTRAIN_RESHARD_DIR"] != nil, "needs SWIFTTRAIN_RESHARD_DIR"),
          arguments: [1, 3])
    func aCheckpointOfOneJobResumesInAJobOfAnotherSize(stage: Int) throws {
        let world = try MPICommunicator.world()
        let folder = ProcessInfo.processInfo.environment["SWIFTTRAIN_RESHARD_DIR"]! + "/zero\(stage)"
        let path = folder + "/last.ckpt"
        func train(until epochs: Int, resume: Bool = false, save: Bool = false) throws -> [Float] {
            try withRandomScope(seed: 42 &+ UInt64(world.rank)) {
                let model = stage == 3 ? try makeShardedNetwork(world) : makeNetwork()
                let optimizer: any Optimizer = stage == 3 ? Adam(for: model, learningRate: 0.01)
                    : ShardedOptimizer(parameters: model.parameters, communicator: world) { Adam(parameters: $0, learningRate: 0.01) }
                return try trainCheckpointed(model, optimizer, over: world, until: epochs, resume: resume ? path : nil, saveTo: save ? folder : nil)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            try world.barrier()   // every rank looked before rank 0 writes
            _ = try train(until: 1, save: true)
            return
        }
        let saved = try TrainingCheckpoint(contentsOf: path)
        let resumed = try train(until: 3, resume: true)
        expectClose(resumed, try train(until: 3))
        #expect(saved.step == 96 / 12, "the checkpoint is the other job's, after one epoch")
    }
}
