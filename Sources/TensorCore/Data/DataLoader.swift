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
    public let dataset: Data
    public let batchSize: Int
    /// Whether each epoch visits the examples in a new random order.
    public let shuffle: Bool
    public let seed: UInt64
    /// Whether a last batch smaller than `batchSize` is left out.
    public let dropsLastPartialBatch: Bool

    public init(_ dataset: Data, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0, dropsLastPartialBatch: Bool = false) {
        guard batchSize >= 1 else { fail("DataLoader", "batch size must be at least 1, got \(batchSize)") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropsLastPartialBatch = dropsLastPartialBatch
    }

    /// The number of batches in one epoch.
    public var batchesPerEpoch: Int {
        dropsLastPartialBatch ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
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

    /// The example indices of batch `number` of epoch `epoch`.
    public func batchIndices(_ number: Int, epoch: Int) -> [Int] {
        let order = order(epoch: epoch)
        return Array(order[(number * batchSize)..<Swift.min((number + 1) * batchSize, order.count)])
    }

    /// Batch `number` of epoch `epoch`.
    public func batch(_ number: Int, epoch: Int) -> Data.Batch {
        dataset.batch(at: batchIndices(number, epoch: epoch))
    }

    /// The batches of epoch `epoch`, gathered one at a time as the sequence is iterated, starting
    /// at batch `start` (to resume mid-epoch).
    public func batches(epoch: Int, startingAt start: Int = 0) -> Batches {
        Batches(dataset: dataset, order: order(epoch: epoch), batchSize: batchSize, count: batchesPerEpoch, start: start)
    }

    /// One epoch's batches as a sequence.
    public struct Batches: Sequence, IteratorProtocol {
        let dataset: Data
        let order: [Int]
        let batchSize: Int
        let count: Int
        var position: Int

        init(dataset: Data, order: [Int], batchSize: Int, count: Int, start: Int) {
            self.dataset = dataset
            self.order = order
            self.batchSize = batchSize
            self.count = count
            self.position = start
        }

        public mutating func next() -> Data.Batch? {
            guard position < count else { return nil }
            defer { position += 1 }
            let start = position * batchSize
            return dataset.batch(at: Array(order[start..<Swift.min(start + batchSize, order.count)]))
        }
    }
}
