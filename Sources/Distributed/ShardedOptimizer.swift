import Foundation
import TensorCore

/// ZeRO stages 1 and 2: each rank keeps and updates only its shard of the optimizer state
/// and, at stage 2, of the gradients.
///
/// The parameters are seen as one flat vector split into `worldSize` contiguous shards. Each
/// rank runs the wrapped optimizer on its shard only (so Adam's two moment buffers take
/// `1/worldSize` of the memory), then the updated shards are all-gathered into every rank's
/// parameters. Elementwise optimizers (SGD, Adam, AdamW) update exactly as unsharded ones.
/// At stage 1 the gradients are averaged in full first (``GradientSynchronizer``); at stage 2
/// ``reduceGradients(localExamples:)`` reduce-scatters them, so each rank receives only its
/// shard's average, and the full gradients are freed (`OptimizationStep` does this by itself).
///
/// ```swift
/// let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator, stage: .gradients) {
///     Adam(parameters: $0, learningRate: 1e-3)
/// }
/// ```
public final class ShardedOptimizer: Optimizer {
    /// The tensors this updates, in a fixed order.
    public let parameters: [Tensor]
    /// The processes whose gradients (or shards) are combined.
    public let communicator: any Communicator
    /// The optimizer over this rank's shard.
    public let inner: any Optimizer
    /// What is sharded besides the optimizer state.
    public let stage: ShardingStage
    let shardParameter: Tensor
    let shardRange: Range<Int>
    let counts: [Int]
    /// Stage 2: this rank's shard of the averaged gradient, set by `reduceGradients`.
    var shardGradient: Tensor?

    /// Shards `parameters`' optimizer state (and at `stage` 2 their gradients) over
    /// `communicator`'s ranks; `makeOptimizer` builds the optimizer of this rank's shard.
    public init(parameters: [Tensor], communicator: any Communicator, stage: ShardingStage = .optimizerState,
                makeOptimizer: ([Tensor]) -> any Optimizer) {
        self.parameters = parameters
        self.communicator = communicator
        self.stage = stage
        counts = parameters.map(\.scalarCount)
        shardRange = communicator.block(of: counts.reduce(0, +), for: communicator.rank)
        shardParameter = Tensor(Tensor.packing(parameters, counts: counts, range: shardRange, scale: 1), shape: [shardRange.count])
        shardParameter.requiresGradient = true
        inner = makeOptimizer([shardParameter])
    }

    /// The learning rate the next `step()` uses (schedules change it between steps).
    public var learningRate: Float {
        get { inner.learningRate }
        set { inner.learningRate = newValue }
    }

    /// Updates every parameter that has a gradient, by the rule in the type's documentation.
    public func step() {
        // The shard starts from the parameters as they are now: they may have changed since the
        // last step (rank 0's weights broadcast at the start, a checkpoint restored), and a
        // stale copy here would overwrite them with the old values on the all-gather.
        Tensor.unpack(Tensor.packing(parameters, counts: counts, range: shardRange, scale: 1), at: 0, into: [shardParameter], scale: 1)
        // This rank's shard of the averaged gradient (reduce-scattered at stage 2, cut from the
        // all-reduced one at stage 1), then the inner update.
        if let shardGradient {
            shardParameter.gradient = shardGradient
            self.shardGradient = nil
        } else {
            shardParameter.gradient = Tensor(Tensor.packing(parameters.map(\.gradient), counts: counts, range: shardRange, scale: 1),
                                             shape: [shardRange.count])
        }
        inner.step()
        // Every rank's updated shard, in rank order, is the new flat parameter vector. A failed
        // collective leaves the ranks' weights diverged: abort the job (`step` cannot throw).
        let whole: [Float]
        do {
            whole = try communicator.allGather(shardParameter.scalars).flatMap { $0 }
        } catch {
            communicator.abortJob(reason: "ShardedOptimizer.step: gathering the parameter shards failed: \(error)")
            return
        }
        Tensor.unpack(whole, at: 0, into: parameters, scale: 1)
    }

    /// This rank's part of the state, marked with the rank and the world size: enough to restore
    /// this rank (a snapshot taken and restored in place), not a checkpoint. Checkpoints hold
    /// ``gatheredState()``, which every rank computes together.
    public var state: OptimizerState {
        var local = inner.state
        local.numbers[Self.rankKey] = Double(communicator.rank)
        local.numbers[Self.worldKey] = Double(communicator.worldSize)
        return local
    }

    /// Bytes of optimizer state this rank holds, and what an unsharded optimizer would hold.
    public var stateBytes: (perRank: Int, unsharded: Int) {
        let local = inner.state.tensors.values.reduce(0) { $0 + $1.scalarCount * 4 }
        let fraction = Double(counts.reduce(0, +)) / Double(max(shardRange.count, 1))
        return (local, Int(Double(local) * fraction))
    }
}
