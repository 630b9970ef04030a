// Memory per rank of each ZeRO stage for the MNIST mlp (235,146 parameters, Adam) at 1, 2 and
// 4 ranks (in-process ranks; the bytes are the tensors each rank holds after a step), against
// the 1/N arithmetic. Stages 1 and 2: ShardedOptimizer; stage 3: every Linear wrapped in a
// FullyShardedLayer and a plain Adam over the shards. `.build/release/zero-memory`.
import Distributed
import Events
import Foundation
import TensorCore

func megabytes(_ bytes: Int) -> String { String(format: "%.2f", Double(bytes) / 1e6) }
print("| stage | ranks | parameters (held / arithmetic) | gradients (held / arithmetic) | Adam state (held / arithmetic) |")
print("| --- | --- | --- | --- | --- |")
for stage in [ShardingStage.optimizerState, .gradients] {
    for ranks in [1, 2, 4] {
        let rows = try InProcessCommunicator.run(worldSize: ranks) { communicator in
            let model = Sequential(Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 128), ReLU(),
                                   Linear(inFeatures: 128, outFeatures: 10))
            let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator, stage: stage) {
                Adam(parameters: $0, learningRate: 1e-3)
            }
            let step = OptimizationStep(optimizer: optimizer, communicator: communicator, model: model)
            let inputs = Tensor(randomNormal: [64 / ranks, 784]), labels = Tensor((0..<(64 / ranks)).map { Float($0 % 10) })
            try step.apply(loss: crossEntropy(logits: model(inputs), labels: labels), examples: 64 / ranks, endsEpoch: false)
            return (model.parameterCount, optimizer.bytesPerRank)
        }
        let (count, bytes) = rows[ranks - 1]
        let full = count * 4, shard = (count + ranks - 1) / ranks * 4
        let gradients = stage == .gradients && ranks > 1 ? shard : full
        print("| \(stage.rawValue) | \(ranks) | \(megabytes(bytes.parameters)) / \(megabytes(full)) MB | \(megabytes(bytes.gradients)) / \(megabytes(gradients)) MB "
              + "| \(megabytes(bytes.optimizerState)) / \(megabytes(2 * shard)) MB |")
    }
}

for ranks in [1, 2, 4] {
    let rows = try InProcessCommunicator.run(worldSize: ranks) { communicator in
        let layers = [Linear(inFeatures: 784, outFeatures: 256), Linear(inFeatures: 256, outFeatures: 128), Linear(inFeatures: 128, outFeatures: 10)]
        let model = Sequential(try FullyShardedLayer(layers[0], communicator: communicator), ReLU(),
                               try FullyShardedLayer(layers[1], communicator: communicator), ReLU(),
                               try FullyShardedLayer(layers[2], communicator: communicator))
        let optimizer = Adam(for: model, learningRate: 1e-3)
        let step = OptimizationStep(optimizer: optimizer, communicator: communicator, model: model)
        let inputs = Tensor(randomNormal: [64 / ranks, 784]), labels = Tensor((0..<(64 / ranks)).map { Float($0 % 10) })
        try step.apply(loss: crossEntropy(logits: model(inputs), labels: labels), examples: 64 / ranks, endsEpoch: false)
        let full = layers.flatMap(\.parameters)
        let held = model.parameters.reduce(0) { $0 + $1.scalarCount } + full.filter(\.holdsElements).reduce(0) { $0 + $1.scalarCount }
        let gradients = (model.parameters + full).reduce(0) { $0 + ($1.gradient?.scalarCount ?? 0) }
        let state = optimizer.state.tensors.values.reduce(0) { $0 + $1.scalarCount }
        return (full.reduce(0) { $0 + $1.scalarCount }, held * 4, gradients * 4, state * 4)
    }
    let (count, held, gradients, state) = rows[ranks - 1]
    let shard = (count + ranks - 1) / ranks * 4
    print("| 3 | \(ranks) | \(megabytes(held)) / \(megabytes(shard)) MB | \(megabytes(gradients)) / \(megabytes(shard)) MB "
          + "| \(megabytes(state)) / \(megabytes(2 * shard)) MB |")
}
