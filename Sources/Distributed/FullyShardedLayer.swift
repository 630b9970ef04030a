import Foundation
import Synchronization
import TensorCore

/// ZeRO stage 3 (PyTorch's FSDP): a layer whose parameters are sharded across ranks at rest,
/// gathered for its forward and again for its backward, and freed after each.
///
/// Between steps a rank holds only ``shard``, its contiguous part of the layer's parameters as
/// one flat vector: the optimizer updates the shard (so its state is sharded too), and the
/// layer's own parameter tensors hold no memory. The forward all-gathers the shards into them,
/// runs the layer and frees them; a backward hook on the output gathers them again before the
/// layer's backward, and once backward has finished every gradient of the layer, the gradients
/// are reduce-scattered into the shard's gradient (averaged over ranks, so ranks train on equal
/// batches) and the full values and gradients are freed. Wrap each large layer:
///
/// ```swift
/// let model = Sequential(try FullyShardedLayer(Linear(inFeatures: 784, outFeatures: 4096), communicator: world), ReLU(),
///                        try FullyShardedLayer(Linear(inFeatures: 4096, outFeatures: 10), communicator: world))
/// let optimizer = Adam(for: model, learningRate: 1e-3)   // steps the shards
/// ```
///
/// Gradient synchronization and the start-of-training broadcast leave the shards alone.
/// Checkpoints hold the layer's full parameters, gathered from every rank when written
/// (``Module/gatheredState()``), under the names of the model without the wrapper, so a run
/// resumes on any number of ranks and PyTorch loads the weights.
public final class FullyShardedLayer: Module {
    /// The wrapped layer; its parameters hold elements only during its forward and backward.
    public let layer: any Module<Tensor>
    /// The ranks the parameters are sharded over.
    public let communicator: any Communicator
    /// This rank's part of the layer's parameters, flat: the one parameter the optimizer sees.
    public let shard: Tensor
    /// Whether the layer is in training mode (passed on to the wrapped layer).
    public var isTraining = true {
        didSet { layer.setTraining(isTraining) }
    }
    let full: [Tensor]
    let counts: [Int]
    let range: Range<Int>
    private var finishedGradients = 0

    /// Shards `layer`'s parameters over `communicator`'s ranks, starting from rank 0's values
    /// (a collective: every rank wraps the same layers in the same order).
    /// - Throws: ``DistributedError`` when ranks' layers differ; what the communicator throws.
    public init(_ layer: any Module<Tensor>, communicator: any Communicator) throws {
        try layer.broadcastState(over: communicator)
        self.layer = layer
        self.communicator = communicator
        full = layer.parameters
        counts = full.map(\.scalarCount)
        range = communicator.block(of: counts.reduce(0, +), for: communicator.rank)
        shard = Tensor(Tensor.packing(full, counts: counts, range: range, scale: 1), shape: [range.count])
        shard.requiresGradient = true
        ShardedParameters.insert(self)
        for parameter in full {
            parameter.afterGradientAccumulation = { [weak self] in self?.gradientFinished() }
            parameter.releaseElements()
        }
    }

    deinit { ShardedParameters.remove(shard) }

    /// The shard, under the name `shard`.
    public var ownParameters: [(String, Tensor)] { [("shard", shard)] }

    /// The wrapped layer's buffers (not sharded), under its own names.
    public var ownBuffers: [(String, Tensor)] { layer.namedBuffers.map { ($0.name, $0.tensor) } }

    /// The layer's output, its parameters gathered for the forward (and, when recording, for
    /// the backward) and freed after each.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        gather()
        let output = layer(input)
        for parameter in full { parameter.releaseElements() }
        guard output.requiresGradient else { return output }
        return output.withBackwardHook { [weak self] in self?.gather() }
    }

    /// Every rank's shard, in rank order, into the layer's parameters. A failed collective
    /// leaves the ranks unable to go on: the job is aborted (a forward cannot throw).
    private func gather() {
        do {
            let whole = try communicator.allGather(shard.scalars).flatMap { $0 }
            var start = 0
            for (parameter, count) in zip(full, counts) {
                parameter.restoreElements(Array(whole[start..<(start + count)]))
                start += count
            }
        } catch {
            communicator.abortJob(reason: "FullyShardedLayer: gathering the parameter shards failed: \(error)")
        }
    }

    /// Called by backward for each of the layer's parameters; after the last, the gradients are
    /// reduce-scattered into the shard's and everything full is freed.
    private func gradientFinished() {
        finishedGradients += 1
        guard finishedGradients == full.count else { return }
        finishedGradients = 0
        var flat = [Float](repeating: 0, count: counts.reduce(0, +))
        Tensor.pack(full.map(\.gradient), counts: counts, into: &flat, at: 0, scale: 1)
        do {
            var mine = try communicator.reduceScatter(flat, operation: .sum)
            let scale = 1 / Float(communicator.worldSize)
            for index in mine.indices { mine[index] *= scale }
            let averaged = Tensor(mine, shape: [mine.count])
            shard.gradient = shard.gradient.map { $0 + averaged } ?? averaged
        } catch {
            communicator.abortJob(reason: "FullyShardedLayer: reduce-scattering the gradients failed: \(error)")
        }
        for parameter in full {
            parameter.gradient = nil
            parameter.releaseElements()
        }
    }
}

/// The shards of ``FullyShardedLayer``s, which gradient synchronization and the start-of-
/// training broadcast must leave alone (each rank holds a different part).
public enum ShardedParameters {
    /// A layer, held weakly: the registry never keeps one alive.
    private final class Entry: @unchecked Sendable {
        weak var layer: FullyShardedLayer?
        init(_ layer: FullyShardedLayer) { self.layer = layer }
    }
    private static let layers = Mutex<[ObjectIdentifier: Entry]>([:])

    /// Whether `tensor` is a rank's shard of a sharded layer.
    public static func contains(_ tensor: Tensor) -> Bool { layers.withLock { $0[ObjectIdentifier(tensor)] != nil } }

    /// The sharded layer whose shard `tensor` is.
    static func layer(of tensor: Tensor) -> FullyShardedLayer? { layers.withLock { $0[ObjectIdentifier(tensor)]?.layer } }

    static func insert(_ layer: FullyShardedLayer) { layers.withLock { $0[ObjectIdentifier(layer.shard)] = Entry(layer) } }
    static func remove(_ tensor: Tensor) { _ = layers.withLock { $0.removeValue(forKey: ObjectIdentifier(tensor)) } }
}
