import Foundation
import Testing
import Events
import TensorCore
import TestSupport
import Distributed

/// A ZeRO checkpoint holds the optimizer state gathered from every rank, in the unsharded
/// layout: N ranks save it, M ranks resume from it (each takes its shard), and training goes on
/// as an uninterrupted M-rank run.
@Suite struct ReshardingTests {
    /// Trains a ZeRO-1 (Adam) run at `ranks` ranks, global batch 12, until epoch `until`:
    /// from scratch, or from the checkpoint at `resume`. Saves `folder/last.ckpt` after every
    /// epoch when `folder` is given. Returns rank 0's weights and whether all ranks agree.
    static func run(ranks: Int, until epochs: Int, resume: String? = nil, saveTo folder: String? = nil) throws -> [Float] {
        let results = try InProcessCommunicator.run(worldSize: ranks, seed: 42) { communicator in
            let model = makeNetwork()
            let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator) {
                Adam(parameters: $0, learningRate: 0.01)
            }
            return try trainCheckpointed(model, optimizer, over: communicator, examples: 100, until: epochs, resume: resume, saveTo: folder)
        }
        #expect(results.allSatisfy { $0 == results[0] }, "every rank holds the same weights")
        return results[0]
    }

    @Test(arguments: [1, 2, 3, 4]) func aCheckpointOfNRanksResumesOnAnyNumberOfRanks(saved: Int) throws {
        let checkpoint = try expectCheckpointResumesOnAnyRankCount(saved: saved, folderName: "resharding-\(saved)") {
            try Self.run(ranks: $0, until: $1, resume: $2, saveTo: $3)
        }
        // The file holds the plain optimizer's state: one process loads it into an unsharded Adam.
        let model = makeNetwork()
        let plain = Adam(for: model, learningRate: 0.01)
        try TrainingCheckpoint(contentsOf: checkpoint).restore(model: model, optimizer: plain)
        #expect(plain.state.tensors.count == 2 * model.parameters.count)
    }

    /// Ranks start from different weights; rank 0's broadcast must reach the optimizer's shards
    /// too (each shard once kept its rank's own initial values and wrote them back).
    @Test func zeroFromDifferentlyInitializedRanksEqualsOneProcess() throws {
        let reference = singleProcessWeights(epochs: 3, batchSize: 12)
        for ranks in [2, 3, 4] {
            let weights = try Self.run(ranks: ranks, until: 3)
            let worst = zip(weights, reference).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-5, "\(ranks) ranks: largest difference \(worst)")
        }
    }

    /// The checkpoint of 2 ranks, as `Fixtures/zero_checkpoint.safetensors` holds it: PyTorch
    /// loads that file (`Fixtures/check_zero_checkpoint.py` puts its weights into an
    /// `nn.Sequential` and its moments into `torch.optim.Adam` through `load_state_dict`, then
    /// steps). Names and shapes must match the fixture exactly, values within 1e-5 (other CPUs
    /// round the products differently). `REGENERATE_FIXTURES=1` rewrites it.
    @Test func theCheckpointHasTheLayoutPyTorchLoads() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/zero_checkpoint.safetensors").path
        let folder = try makeTemporaryFolder()
        _ = try Self.run(ranks: 2, until: 1, saveTo: folder)
        if ProcessInfo.processInfo.environment["REGENERATE_FIXTURES"] == "1" {
            try? FileManager.default.removeItem(atPath: fixture)
            try FileManager.default.copyItem(atPath: "\(folder)/last.ckpt", toPath: fixture)
        }
        let written = try SafeTensorsFile(contentsOf: "\(folder)/last.ckpt"), expected = try SafeTensorsFile(contentsOf: fixture)
        #expect(written.tensors.map(\.name) == expected.tensors.map(\.name))
        #expect(written.tensors.map(\.tensor.shape) == expected.tensors.map(\.tensor.shape))
        #expect(written.tensors.map(\.name).contains("optimizer.exp_avg.3"), "per-parameter moments of all 4 parameters")
        for ((name, ours), (_, theirs)) in zip(written.tensors, expected.tensors) {
            let worst = zip(ours.scalars, theirs.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "\(name): largest difference \(worst)")
        }
    }

    /// One command from a run's checkpoint to the weights file PyTorch's `load_state_dict`
    /// takes as it is (`Fixtures/check_zero_checkpoint.py` loads it into `nn.Sequential`).
    @Test func checkpointToolExportsWeightsUnderTheModelsNames() throws {
        let folder = try makeTemporaryFolder()
        _ = try Self.run(ranks: 3, until: 1, saveTo: folder)
        let exported = "\(folder)/weights.safetensors"
        let result = try BuiltProgram.run("checkpoint-tool", ["export", "\(folder)/last.ckpt", exported])
        #expect(result.status == 0, "\(result.err)")
        let file = try SafeTensorsFile(contentsOf: exported), checkpoint = try TrainingCheckpoint(contentsOf: "\(folder)/last.ckpt")
        #expect(file.tensors.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(file.tensors.map(\.tensor.scalars) == checkpoint.modelState.map(\.tensor.scalars))
        let refused = try BuiltProgram.run("checkpoint-tool", ["export", "\(folder)/missing.ckpt", exported])
        #expect(refused.status == 2 && refused.err.contains("missing.ckpt"))
    }

    @Test func oneRanksOwnShardIsNotACheckpoint() throws {
        let refused = try InProcessCommunicator.run(worldSize: 2) { communicator in
            let model = makeNetwork()
            let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator) { Adam(parameters: $0, learningRate: 0.01) }
            crossEntropy(logits: model(syntheticData(count: 4).inputs), labels: syntheticData(count: 4).labels).backward()
            optimizer.step()
            let own = optimizer.state
            try optimizer.load(own)   // a snapshot restores in place
            var others: OptimizerState = own
            others.numbers["zero.rank"] = Double(1 - communicator.rank)
            do { try optimizer.load(others) } catch let error as CheckpointError { return "\(error)" }
            return ""
        }
        for message in refused { #expect(message.contains("checkpoints need gatheredState() from every rank")) }
    }
}
