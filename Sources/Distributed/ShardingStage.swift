/// What a ``ShardedOptimizer`` splits across ranks: the stages of ZeRO.
///
/// ```swift
/// ShardedOptimizer(parameters: model.parameters, communicator: world, stage: .gradients) { Adam(parameters: $0, learningRate: 1e-3) }
/// ```
public enum ShardingStage: Int, Sendable {
    /// Stage 1: the optimizer state. Gradients are averaged in full (all-reduce, overlapping backward).
    case optimizerState = 1
    /// Stage 2: the optimizer state and the gradients. Gradients are reduce-scattered, so each
    /// rank receives only its shard's average, and the full gradients are freed before the update.
    case gradients = 2
}
