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
        // Each rank's shard of a sharded layer is its own (and their sizes may differ).
        let state = namedState.filter { !ShardedParameters.contains($0.tensor) }
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

/// Averages gradients across ranks for data-parallel training, overlapping the all-reduce
/// with the backward pass as PyTorch's DDP does.
///
/// Gradients are packed into flat buckets of about `bucketBytes` (25 MB by default, as in DDP),
/// filled in reverse parameter order: the order in which backward produces them. After
/// ``prepareBackward(localExamples:)``, each bucket's all-reduce starts as soon as backward has
/// finished its last gradient (``Tensor/afterGradientAccumulation``), and
/// ``synchronize(localExamples:)`` only waits for them. Without the preparation (or with
/// ``overlapsBackward`` off) it starts and waits for every bucket after backward. Both ways run
/// the same collectives on the same buckets, so they give the same gradients bit for bit.
///
/// The average is weighted by each rank's number of examples in the step, so uneven last
/// batches (see ``DataLoader/sharded(rank:worldSize:)``) give exactly the gradient one process
/// would compute on all of them. Buckets start in index order on every rank, whatever order
/// backward finishes them in, so ranks never disagree on the order of collectives.
///
/// ```swift
/// synchronizer.prepareBackward(localExamples: batch.count)
/// loss.backward()                       // buckets leave while backward runs
/// try synchronizer.synchronize(localExamples: batch.count)
/// optimizer.step()
/// ```
public final class GradientSynchronizer {
    /// The tensors this updates, in a fixed order.
    public let parameters: [Tensor]
    /// The processes whose gradients (or shards) are combined.
    public let communicator: any Communicator
    /// Whether a prepared backward pass sends buckets while it runs (the default); off, every
    /// bucket leaves after backward, as a baseline to measure the overlap against.
    public var overlapsBackward = true
    /// Parameter indices per bucket, the last parameters first.
    private let buckets: [[Int]]
    private let bucketOfParameter: [Int]
    /// Elements per bucket buffer (the first holds the example count too).
    private let bufferSizes: [Int]
    private var buffers: [[Float]]
    private var pass = Pass()

    /// The bookkeeping of one synchronization.
    private struct Pass {
        var weight: Float = 0
        var unfinished: [Int] = []
        var pending: [PendingReduction?] = []
        var nextToStart = 0
        var startError: (any Error)?
        var isPrepared = false
    }

    /// A synchronizer for `parameters`, packing their gradients into buckets of about `bucketBytes`.
    public init(parameters: [Tensor], communicator: any Communicator, bucketBytes: Int = 25 << 20) {
        precondition(bucketBytes > 0, "GradientSynchronizer: bucketBytes must be positive, got \(bucketBytes)")
        // Shards of sharded layers come averaged from their own reduce-scatter.
        let parameters = parameters.filter { !ShardedParameters.contains($0) }
        self.parameters = parameters
        self.communicator = communicator
        var buckets: [[Int]] = [], current: [Int] = [], size = 0
        for index in parameters.indices.reversed() {
            let count = parameters[index].scalarCount
            if size > 0 && (size + count) * 4 > bucketBytes {
                buckets.append(current)
                (current, size) = ([], 0)
            }
            current.append(index)
            size += count
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
        var bucketOfParameter = [Int](repeating: 0, count: parameters.count)
        for (bucket, members) in buckets.enumerated() { for index in members { bucketOfParameter[index] = bucket } }
        self.bucketOfParameter = bucketOfParameter
        // The first bucket carries one extra element: the number of examples on this rank.
        bufferSizes = buckets.enumerated().map { bucket, members in members.reduce(0) { $0 + parameters[$1].scalarCount } + (bucket == 0 ? 1 : 0) }
        buffers = bufferSizes.map { [Float](repeating: 0, count: $0) }
    }

    /// The number of all-reduce calls per step.
    public var bucketCount: Int { buckets.count }

    /// Arms the next `backward()` to start each bucket's all-reduce as soon as its gradients are
    /// final. Call it before the backward pass whose gradients ``synchronize(localExamples:)``
    /// then averages (the last of an accumulation window), with the same example count.
    public func prepareBackward(localExamples: Int) {
        guard communicator.worldSize > 1, overlapsBackward else { return }
        begin(localExamples: localExamples)
        pass.isPrepared = true
        for (index, parameter) in parameters.enumerated() {
            parameter.afterGradientAccumulation = { [weak self] in self?.gradientFinished(index) }
        }
    }

    /// Replaces every parameter's gradient with the average over all ranks' examples, waiting
    /// for the buckets a prepared backward started and starting the others.
    /// Every rank must call it once per step, with its own example count.
    /// - Throws: what the communicator throws (a failed peer, a transport error, a timeout).
    public func synchronize(localExamples: Int) throws {
        guard communicator.worldSize > 1, !buckets.isEmpty else { return }
        if pass.isPrepared {
            for parameter in parameters { parameter.afterGradientAccumulation = nil }
        } else {
            begin(localExamples: localExamples)
        }
        pass.isPrepared = false
        // Buckets whose gradients backward never finished (unused parameters), or all of them.
        startBuckets(upTo: buckets.count)
        for bucket in buckets.indices {
            guard let pending = pass.pending[bucket] else { break }
            buffers[bucket] = try pending.wait()
        }
        if let error = pass.startError { throw error }
        let total = buffers[0][buffers[0].count - 1]
        guard total > 0 else { return }
        for (bucket, members) in buckets.enumerated() {
            let tensors = members.map { parameters[$0] }
            for parameter in tensors where parameter.gradient == nil { parameter.gradient = Tensor(zeros: parameter.shape) }
            Tensor.unpack(buffers[bucket], at: 0, into: tensors.map { $0.gradient! }, scale: 1 / total)
        }
    }

    private func begin(localExamples: Int) {
        pass = Pass(weight: Float(localExamples), unfinished: buckets.map(\.count),
                    pending: Array(repeating: nil, count: buckets.count))
    }

    /// Called by backward when parameter `index` has its final gradient.
    private func gradientFinished(_ index: Int) {
        let bucket = bucketOfParameter[index]
        pass.unfinished[bucket] -= 1
        var ready = pass.nextToStart
        while ready < buckets.count && pass.unfinished[ready] == 0 { ready += 1 }
        startBuckets(upTo: ready)
    }

    /// Packs and starts buckets `nextToStart..<end`, in index order.
    private func startBuckets(upTo end: Int) {
        while pass.nextToStart < end {
            let bucket = pass.nextToStart
            pass.nextToStart += 1
            guard pass.startError == nil else { continue }
            let members = buckets[bucket]
            // A reduction that failed last time never handed its buffer back.
            if buffers[bucket].count != bufferSizes[bucket] { buffers[bucket] = [Float](repeating: 0, count: bufferSizes[bucket]) }
            Tensor.pack(members.map { parameters[$0].gradient }, counts: members.map { parameters[$0].scalarCount },
                        into: &buffers[bucket], at: 0, scale: pass.weight)
            if bucket == 0 { buffers[0][buffers[0].count - 1] = pass.weight }
            // Handing the buffer over (not copying it): the reduction owns it until `wait()`.
            let values = buffers[bucket]
            buffers[bucket] = []
            do {
                pass.pending[bucket] = try communicator.startAllReduce(values, operation: .sum)
            } catch {
                pass.startError = error
            }
        }
    }
}
