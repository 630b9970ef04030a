import TensorCore

/// ZeRO stage 2: gradients reduce-scattered instead of all-reduced.
extension ShardedOptimizer {
    /// Replaces the parameters' gradients with this rank's shard of their average over every
    /// rank's examples (weighted by `localExamples`, as ``GradientSynchronizer`` weighs them):
    /// one reduce-scatter, half the traffic of stage 1's all-reduce and its all-gather of
    /// parameters. The full gradients are then freed; ``step()`` uses the shard. A collective:
    /// every rank calls it once per step, after backward.
    /// - Throws: what the communicator throws.
    public func reduceGradients(localExamples: Int) throws {
        var total = [Float(localExamples)]
        try communicator.allReduce(&total, operation: .sum)
        var flat = [Float](repeating: 0, count: counts.reduce(0, +))
        Tensor.pack(parameters.map(\.gradient), counts: counts, into: &flat, at: 0, scale: Float(localExamples))
        var mine = try communicator.reduceScatter(flat, operation: .sum)
        if total[0] > 0 {
            let scale = 1 / total[0]
            for index in mine.indices { mine[index] *= scale }
        }
        shardGradient = Tensor(mine, shape: [mine.count])
        for parameter in parameters { parameter.gradient = nil }
    }

    /// The bytes this rank holds for training between steps, by kind: the parameters (every rank
    /// holds them all at stages 1 and 2, plus its shard's copy), the gradients (full ones and
    /// this rank's shard), and the optimizer state (this rank's shard only).
    public var bytesPerRank: (parameters: Int, gradients: Int, optimizerState: Int) {
        let full = counts.reduce(0, +)
        let gradients = parameters.reduce(0) { $0 + ($1.gradient?.scalarCount ?? 0) }
            + (shardGradient?.scalarCount ?? shardParameter.gradient?.scalarCount ?? 0)
        return ((full + shardRange.count) * 4, gradients * 4, stateBytes.perRank)
    }
}
