import TensorCore

/// Problems specific to training across processes.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// Ranks hold models whose parameters differ in number or shape.
    case parameterMismatch(rank: Int, detail: String)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .parameterMismatch(rank, detail): "rank \(rank)'s model differs from rank 0's: \(detail)"
        }
    }
}

extension Module {
    /// Makes every rank's parameters and buffers equal to `root`'s, after checking that all
    /// ranks hold the same parameter names and shapes (a clear error otherwise, on every rank).
    ///
    /// Call it once before data-parallel training, so all ranks start from the same weights.
    public func broadcastState(from root: Int = 0, over communicator: any Communicator) throws {
        let state = namedState
        // A signature of names and shapes, compared across ranks.
        var signature: [Double] = [Double(state.count)]
        for (name, tensor) in state {
            signature.append(Double(name.hashValueStable))
            signature.append(Double(tensor.rank))
            signature += tensor.shape.map(Double.init)
        }
        let signatures = try communicator.allGather(signature)
        for (rank, other) in signatures.enumerated() where other != signatures[root] {
            throw DistributedError.parameterMismatch(rank: rank, detail: "\(Int(other[0])) tensors against \(Int(signatures[root][0])), or different names or shapes")
        }
        let counts = state.map(\.tensor.scalarCount)
        var buffer = [Float](repeating: 0, count: counts.reduce(0, +))
        Tensor.pack(state.map(\.tensor), counts: counts, into: &buffer, at: 0, scale: 1)
        try communicator.broadcast(&buffer, from: root)
        Tensor.unpack(buffer, at: 0, into: state.map(\.tensor), scale: 1)
    }
}

extension Module {
    /// Makes every rank's buffers (batch-norm running statistics) equal to `root`'s, as PyTorch
    /// DDP's `broadcast_buffers` does at each step. A no-op for one process or a model without
    /// buffers. Shapes were checked once by ``broadcastState(from:over:)``.
    public func broadcastBuffers(from root: Int = 0, over communicator: any Communicator) throws {
        guard communicator.worldSize > 1 else { return }
        let buffers = namedBuffers.map(\.tensor)
        guard !buffers.isEmpty else { return }
        let counts = buffers.map(\.scalarCount)
        var packed = [Float](repeating: 0, count: counts.reduce(0, +))
        Tensor.pack(buffers, counts: counts, into: &packed, at: 0, scale: 1)
        try communicator.broadcast(&packed, from: root)
        Tensor.unpack(packed, at: 0, into: buffers, scale: 1)
    }
}

extension String {
    /// A hash that is the same in every process (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt32 {
        var hash: UInt32 = 2_166_136_261   // FNV-1a
        for byte in utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}

/// Averages gradients across ranks after each backward pass, for data-parallel training.
///
/// Gradients are packed into flat buckets (about `bucketBytes` each, 25 MB by default as in
/// PyTorch's DDP) and each bucket is one all-reduce, not one call per tensor. The average is
/// weighted by each rank's number of examples in the step, so uneven last batches (see
/// ``DataLoader/sharded(rank:worldSize:)``) give exactly the gradient one process would compute
/// on all of them. Communication does not overlap the backward pass: the autograd computes every
/// gradient in one `backward()` call, and for the reference models one bucket holds them all.
///
/// ```swift
/// loss.backward()
/// try synchronizer.synchronize(localExamples: batch.count)
/// optimizer.step()
/// ```
public final class GradientSynchronizer {
    /// The tensors this updates, in a fixed order.
    public let parameters: [Tensor]
    /// The processes whose gradients (or shards) are combined.
    public let communicator: any Communicator
    private let buckets: [Range<Int>]
    private let counts: [Int]
    private var buffers: [[Float]]

    /// A synchronizer for `parameters`, packing their gradients into buckets of about `bucketBytes`.
    public init(parameters: [Tensor], communicator: any Communicator, bucketBytes: Int = 25 << 20) {
        self.parameters = parameters
        self.communicator = communicator
        let counts = parameters.map(\.scalarCount)
        self.counts = counts
        var buckets: [Range<Int>] = [], start = 0, size = 0
        for (index, count) in counts.enumerated() {
            if size > 0 && (size + count) * 4 > bucketBytes {
                buckets.append(start..<index)
                start = index
                size = 0
            }
            size += count
        }
        if start < counts.count { buckets.append(start..<counts.count) }
        self.buckets = buckets
        // The first bucket carries one extra element: the number of examples on this rank.
        buffers = buckets.enumerated().map { index, range in
            [Float](repeating: 0, count: counts[range].reduce(0, +) + (index == 0 ? 1 : 0))
        }
    }

    /// The number of all-reduce calls per step.
    public var bucketCount: Int { buckets.count }

    /// Replaces every parameter's gradient with the average over all ranks' examples.
    /// Every rank must call it once per step, with its own example count.
    public func synchronize(localExamples: Int) throws {
        guard communicator.worldSize > 1 else { return }
        let weight = Float(localExamples)
        var total: Float = 0
        for (index, range) in buckets.enumerated() {
            let tensors = parameters[range].map(\.gradient)
            Tensor.pack(tensors, counts: Array(counts[range]), into: &buffers[index], at: 0, scale: weight)
            if index == 0 { buffers[0][buffers[0].count - 1] = weight }
            try communicator.allReduce(&buffers[index], operation: .sum)
            if index == 0 { total = buffers[0][buffers[0].count - 1] }
            guard total > 0 else { return }
            for parameter in parameters[range] where parameter.gradient == nil {
                parameter.gradient = Tensor(zeros: parameter.shape)
            }
            Tensor.unpack(buffers[index], at: 0, into: parameters[range].map { $0.gradient! }, scale: 1 / total)
        }
    }
}

/// ZeRO stage 1: each rank keeps and updates only its shard of the optimizer state.
///
/// The parameters are seen as one flat vector split into `worldSize` contiguous shards. Each
/// rank runs the wrapped optimizer on its shard only (so Adam's two moment buffers take
/// `1/worldSize` of the memory), then the updated shards are all-gathered into every rank's
/// parameters. Elementwise optimizers (SGD, Adam, AdamW) update exactly as unsharded ones.
/// Gradients must already be averaged (``GradientSynchronizer``).
///
/// ```swift
/// let optimizer = ShardedOptimizer(parameters: model.parameters, communicator: communicator) {
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
    private let shardParameter: Tensor
    private let shardRange: Range<Int>
    private let counts: [Int]
    private var flat: [Float]

    /// Shards `parameters`' optimizer state over `communicator`'s ranks; `makeOptimizer` builds the optimizer of this rank's shard.
    public init(parameters: [Tensor], communicator: any Communicator, makeOptimizer: ([Tensor]) -> any Optimizer) {
        self.parameters = parameters
        self.communicator = communicator
        counts = parameters.map(\.scalarCount)
        let total = counts.reduce(0, +)
        flat = [Float](repeating: 0, count: total)
        shardRange = communicator.block(of: total, for: communicator.rank)
        Tensor.pack(parameters, counts: counts, into: &flat, at: 0, scale: 1)
        shardParameter = Tensor(Array(flat[shardRange]), shape: [shardRange.count])
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
        // This rank's shard of the (already averaged) gradient, then the inner update.
        Tensor.pack(parameters.map(\.gradient), counts: counts, into: &flat, at: 0, scale: 1)
        shardParameter.gradient = Tensor(Array(flat[shardRange]), shape: [shardRange.count])
        inner.step()
        // Every rank's updated shard, in rank order, is the new flat parameter vector. A failed
        // collective leaves the ranks' weights diverged: abort the job (`step` cannot throw).
        do {
            flat = try communicator.allGather(shardParameter.scalars).flatMap { $0 }
        } catch {
            communicator.abortJob(reason: "ShardedOptimizer.step: gathering the parameter shards failed: \(error)")
            return
        }
        Tensor.unpack(flat, at: 0, into: parameters, scale: 1)
    }

    /// Everything learned so far (buffers, step counts, the rate), for a checkpoint.
    public var state: OptimizerState { inner.state }
    /// Restores state saved from ``state``; throws without changing anything when it does not fit these parameters.
    public func load(_ state: OptimizerState) throws { try inner.load(state) }

    /// Bytes of optimizer state this rank holds, and what an unsharded optimizer would hold.
    public var stateBytes: (perRank: Int, unsharded: Int) {
        let local = inner.state.tensors.values.reduce(0) { $0 + $1.scalarCount * 4 }
        let fraction = Double(counts.reduce(0, +)) / Double(max(shardRange.count, 1))
        return (local, Int(Double(local) * fraction))
    }
}
