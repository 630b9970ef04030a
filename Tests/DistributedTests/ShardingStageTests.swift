import Foundation
import Testing
import Events
import TensorCore
import TestSupport
import Distributed

/// ZeRO stage 2 (gradients reduce-scattered, each rank updating its shard) trains to the weights
/// of plain data parallelism, and each stage holds the share of memory the arithmetic says.
@Suite struct ShardingStageTests {
    /// Three epochs at `ranks` ranks, global batch 12: plain data parallelism (`stage` nil) or a
    /// sharded Adam. Returns every rank's weights and bytes held after the last step.
    static func train(ranks: Int, stage: ShardingStage?, width: Int = 16) throws -> [(weights: [Float], bytes: (Int, Int, Int))] {
        try InProcessCommunicator.run(worldSize: ranks, seed: 42) { communicator in
            let model = Sequential(Linear(inFeatures: 4, outFeatures: width), ReLU(), Linear(inFeatures: width, outFeatures: 3))
            let optimizer: any Optimizer = stage.map { stage in
                ShardedOptimizer(parameters: model.parameters, communicator: communicator, stage: stage) { Adam(parameters: $0, learningRate: 0.01) }
            } ?? Adam(for: model, learningRate: 0.01)
            let trainer = supervisedTrainer(model: model, optimizer: optimizer, options: SupervisedOptions(communicator: communicator))
            try trainer.run(DataLoader(syntheticData(), batchSize: 12 / ranks, shuffle: true, seed: 7)
                .sharded(rank: communicator.rank, worldSize: ranks), maxEpochs: 3)
            let bytes = (optimizer as? ShardedOptimizer)?.bytesPerRank ?? (0, 0, 0)
            return (model.parameters.flatMap(\.scalars), bytes)
        }
    }

    @Test(arguments: [2, 3]) func stageTwoEqualsPlainDataParallelism(ranks: Int) throws {
        let plain = try Self.train(ranks: ranks, stage: nil)[0].weights
        for stage in [ShardingStage.optimizerState, .gradients] {
            let runs = try Self.train(ranks: ranks, stage: stage)
            #expect(runs.allSatisfy { $0.weights == runs[0].weights }, "every rank holds the same weights")
            // The in-process reduce-scatter and all-reduce both sum in rank order: bit for bit.
            #expect(runs[0].weights == plain, "stage \(stage.rawValue) at \(ranks) ranks")
        }
    }

    @Test func eachStageHoldsItsShareOfTheMemory() throws {
        // 4-256-3: 2,051 parameters, Adam's two moments each.
        let parameters = 4 * 256 + 256 + 256 * 3 + 3
        for ranks in [1, 2, 4] {
            let shard = (parameters + ranks - 1) / ranks
            for stage in [ShardingStage.optimizerState, .gradients] {
                let (_, bytes) = try Self.train(ranks: ranks, stage: stage, width: 256)[ranks - 1]
                let (held, gradients, state) = bytes
                #expect(state <= 2 * shard * 4, "optimizer state is 1/\(ranks) of Adam's: \(state) bytes")
                // Stage 1 keeps every full gradient (and its shard's copy); stage 2 only the shard
                // (on one process there is nothing to reduce-scatter, and it works as stage 1).
                let expected = stage == .gradients && ranks > 1 ? shard * 4 : (parameters + shard) * 4
                #expect(gradients <= expected, "stage \(stage.rawValue), \(ranks) ranks: \(gradients) bytes of gradients")
                #expect(held <= (parameters + shard) * 4, "the parameters and this rank's shard of them")
            }
        }
    }
}
