/// The examples of `base` at `indices`, in that order (PyTorch's `Subset`): a view that copies
/// nothing until a batch is gathered.
///
/// ```swift
/// let evens = Subset(data, indices: Array(stride(from: 0, to: data.count, by: 2)))
/// ```
public struct Subset<Base: Dataset>: Dataset {
    /// The whole data set.
    public let base: Base
    /// Which of `base`'s examples this subset holds.
    public let indices: [Int]

    /// The examples of `base` at `indices`; every index must be in `0..<base.count`.
    public init(_ base: Base, indices: [Int]) {
        if let bad = indices.first(where: { !(0..<base.count).contains($0) }) {
            fail("Subset", "index \(bad) is outside the \(base.count) examples of the base data set")
        }
        self.base = base
        self.indices = indices
    }

    /// The number of examples in the subset.
    public var count: Int { indices.count }

    /// The subset's examples at `positions`, gathered from the base in one batch.
    public func batch(at positions: [Int]) -> Base.Batch {
        base.batch(at: positions.map { indices[$0] })
    }
}

/// `dataset` shuffled with `seed` and cut into consecutive parts of `sizes` examples, which must
/// add up to its count (PyTorch's `random_split`). The same seed gives the same parts.
///
/// ```swift
/// let parts = randomSplit(mnist.train, sizes: [55_000, 5_000], seed: 42)
/// let loader = DataLoader(parts[0], batchSize: 64, shuffle: true, seed: 0)
/// ```
public func randomSplit<Data: Dataset>(_ dataset: Data, sizes: [Int], seed: UInt64) -> [Subset<Data>] {
    guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == dataset.count else {
        fail("randomSplit", "sizes \(sizes) do not add up to the \(dataset.count) examples")
    }
    var generator = RandomGenerator(seed: seed)
    var order = Array(0..<dataset.count)
    // Fisher-Yates with the package's generator, so the split does not depend on the platform.
    for i in stride(from: order.count - 1, to: 0, by: -1) {
        order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
    }
    var start = 0
    return sizes.map { size in
        defer { start += size }
        return Subset(dataset, indices: Array(order[start..<(start + size)]))
    }
}

/// `dataset` cut by `fractions` (which must add up to 1): each part gets `⌊fraction · count⌋`
/// examples and the remainder goes to the first parts one by one, as PyTorch does.
public func randomSplit<Data: Dataset>(_ dataset: Data, fractions: [Double], seed: UInt64) -> [Subset<Data>] {
    guard fractions.allSatisfy({ $0 >= 0 }), Swift.abs(fractions.reduce(0, +) - 1) < 1e-9 else {
        fail("randomSplit", "fractions \(fractions) do not add up to 1")
    }
    var sizes = fractions.map { Int(($0 * Double(dataset.count)).rounded(.down)) }
    var remainder = dataset.count - sizes.reduce(0, +)
    var index = 0
    while remainder > 0 { sizes[index % sizes.count] += 1; remainder -= 1; index += 1 }
    return randomSplit(dataset, sizes: sizes, seed: seed)
}
