/// Splits a dataset into batches, optionally in a shuffled order.
///
/// The order of each epoch is a pure function of `seed` and the epoch number: epoch 3 is the
/// same whether it is reached by training from the start or by resuming from a checkpoint, and
/// any batch of any epoch can be produced directly (``batch(_:epoch:)``).
///
/// ```swift
/// let loader = DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: 0)
/// for batch in loader.batches(epoch: 0) {
///     let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
///     ...
/// }
/// ```
public struct DataLoader<Data: Dataset> {
    /// Where the examples come from.
    public let dataset: Data
    /// Examples per batch on this process.
    public let batchSize: Int
    /// Whether each epoch visits the examples in a new random order.
    public let shuffle: Bool
    /// With the epoch, decides each epoch's order.
    public let seed: UInt64
    /// Whether a last batch smaller than `batchSize` is left out.
    public let dropsLastPartialBatch: Bool
    /// This process's part of the data when several train together: `rank` of `worldSize`.
    public private(set) var shard: (rank: Int, worldSize: Int)
    /// Whether the shard is a contiguous part of each epoch's order for evaluation
    /// (``evaluationShard(rank:worldSize:)``) rather than a part of every global batch.
    public private(set) var isEvaluationShard = false

    /// Batches of `dataset` of `batchSize` examples, shuffled each epoch by `seed` when `shuffle`.
    public init(_ dataset: Data, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0, dropsLastPartialBatch: Bool = false) {
        guard batchSize >= 1 else { fail("DataLoader", "batch size must be at least 1, got \(batchSize)") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropsLastPartialBatch = dropsLastPartialBatch
        self.shard = (0, 1)
    }

    /// The loader for process `rank` of `worldSize` training together (a distributed sampler).
    ///
    /// `batchSize` stays per process: the ranks' batches together form one *global* batch of
    /// `worldSize × batchSize` consecutive examples of the epoch's order, which is the same on
    /// every rank (same seed), reshuffled each epoch. Rank r takes the r-th contiguous part, so
    /// the ranks' parts are disjoint and cover every example exactly once, with no padding or
    /// duplicates: the last, partial global batch is split as evenly as possible (ranks may get
    /// one example more than others), and dropped only when it has fewer examples than ranks
    /// (or with `dropsLastPartialBatch`). Training on the shards with gradients averaged by
    /// example count (``GradientSynchronizer``) equals one process on `worldSize × batchSize`.
    ///
    /// ```swift
    /// let loader = DataLoader(mnist.train, batchSize: 32, shuffle: true, seed: 0)
    ///     .sharded(rank: communicator.rank, worldSize: communicator.worldSize)
    /// ```
    public func sharded(rank: Int, worldSize: Int) -> DataLoader {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            fail("DataLoader.sharded", "rank \(rank) is outside a world of \(worldSize)")
        }
        var copy = self
        copy.shard = (rank, worldSize)
        return copy
    }

    /// The loader for process `rank` of `worldSize` evaluating together: each rank takes a
    /// contiguous part of the epoch's order (sizes differ by at most one), in batches of
    /// `batchSize`, so every example is seen exactly once over all ranks, none padded or dropped
    /// (10,001 examples on 2 ranks: 5,001 and 5,000). Ranks may run different numbers of
    /// batches, which evaluation allows (metrics synchronize once, at the end).
    ///
    /// ```swift
    /// let testLoader = DataLoader(mnist.test, batchSize: 1000)
    ///     .evaluationShard(rank: communicator.rank, worldSize: communicator.worldSize)
    /// ```
    public func evaluationShard(rank: Int, worldSize: Int) -> DataLoader {
        var copy = sharded(rank: rank, worldSize: worldSize)
        copy.isEvaluationShard = true
        return copy
    }

    /// This evaluation shard's range of the epoch's order.
    private var evaluationRange: Range<Int> {
        let base = dataset.count / shard.worldSize, extra = dataset.count % shard.worldSize
        let start = shard.rank * base + Swift.min(shard.rank, extra)
        return start..<(start + base + (shard.rank < extra ? 1 : 0))
    }

    /// Examples per global batch (all ranks together).
    public var globalBatchSize: Int { batchSize.multipliedReportingOverflow(by: shard.worldSize).overflow ? Int.max : batchSize * shard.worldSize }

    /// The number of batches in one epoch (the same on every rank, except for evaluation shards).
    public var batchesPerEpoch: Int {
        if isEvaluationShard {
            let count = evaluationRange.count
            return count / batchSize + (dropsLastPartialBatch || count % batchSize == 0 ? 0 : 1)
        }
        let full = dataset.count / globalBatchSize, remainder = dataset.count % globalBatchSize
        return full + (dropsLastPartialBatch || remainder < shard.worldSize || remainder == 0 ? 0 : 1)
    }

    /// The examples of global batch `number`, in epoch order: their count over all ranks.
    public func globalBatchCount(_ number: Int) -> Int {
        Swift.min(globalBatchSize, dataset.count - number * globalBatchSize)
    }

    /// This rank's range within global batch `number` (within its part, for evaluation shards).
    private func localRange(_ number: Int) -> Range<Int> {
        if isEvaluationShard {
            let part = evaluationRange
            let start = part.lowerBound + number * batchSize
            return start..<Swift.min(start + batchSize, part.upperBound)
        }
        let start = number * globalBatchSize
        let count = globalBatchCount(number)
        if count == globalBatchSize {
            return (start + shard.rank * batchSize)..<(start + (shard.rank + 1) * batchSize)
        }
        // The last, partial global batch: as even as possible, the first ranks one longer.
        let base = count / shard.worldSize, extra = count % shard.worldSize
        let offset = shard.rank * base + Swift.min(shard.rank, extra)
        return (start + offset)..<(start + offset + base + (shard.rank < extra ? 1 : 0))
    }

    /// The order in which epoch `epoch` visits the examples.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle else { return indices }
        // A generator per epoch, seeded from (seed, epoch): no state carries between epochs.
        var generator = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
        // Fisher-Yates with an unbiased bounded draw (Lemire's method via the standard library).
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, Int.random(in: 0...i, using: &generator))
        }
        return indices
    }

    /// The example indices of this rank's batch `number` of epoch `epoch`.
    public func batchIndices(_ number: Int, epoch: Int) -> [Int] {
        Array(order(epoch: epoch)[localRange(number)])
    }

    /// Batch `number` of epoch `epoch`.
    public func batch(_ number: Int, epoch: Int) -> Data.Batch {
        dataset.batch(at: batchIndices(number, epoch: epoch))
    }

    /// The batches of epoch `epoch`, gathered one at a time as the sequence is iterated, starting
    /// at batch `start` (to resume mid-epoch).
    public func batches(epoch: Int, startingAt start: Int = 0) -> Batches {
        Batches(loader: self, order: order(epoch: epoch), count: batchesPerEpoch, start: start)
    }

    /// One epoch's batches as a sequence.
    public struct Batches: Sequence, IteratorProtocol {
        let loader: DataLoader
        let order: [Int]
        let count: Int
        var position: Int

        init(loader: DataLoader, order: [Int], count: Int, start: Int) {
            self.loader = loader
            self.order = order
            self.count = count
            self.position = start
        }

        /// The next batch, or nil at the end of the epoch.
        public mutating func next() -> Data.Batch? {
            guard position < count else { return nil }
            defer { position += 1 }
            return loader.dataset.batch(at: Array(order[loader.localRange(position)]))
        }
    }
}
