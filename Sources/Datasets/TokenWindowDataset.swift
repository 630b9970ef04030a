import TensorCore

/// Random windows of a token sequence, each with the sequence shifted by one as its targets:
/// how a character-level language model is trained.
///
/// Example `i` is the window starting at a position drawn from `seed` and `i` alone, so any
/// batch (for example the 1,234th after resuming from a checkpoint) is the same whether or not
/// the batches before it were drawn. Give the data loader `shuffle: false`: the draws are
/// random already. ``count`` is the number of windows, typically steps × batch size.
///
/// ```swift
/// let train = TokenWindowDataset(tokens: corpus.training, context: 64, windows: steps * 12, seed: 0)
/// let loader = DataLoader(train, batchSize: 12)
/// ```
public struct TokenWindowDataset: Dataset {
    /// The sequence the windows are cut from.
    public let tokens: [Int32]
    /// The length of each window.
    public let context: Int
    /// The seed the window positions are drawn from.
    public let seed: UInt64
    /// The number of windows.
    public let count: Int

    /// `windows` windows of `context` tokens from `tokens`, which must be longer than `context`.
    public init(tokens: [Int32], context: Int, windows: Int, seed: UInt64) {
        precondition(context >= 1 && tokens.count > context,
                     "TokenWindowDataset: \(tokens.count) tokens are too few for windows of \(context) and their targets")
        self.tokens = tokens
        self.context = context
        self.count = windows
        self.seed = seed
    }

    /// Where window `index` starts: a pure function of the seed and the index.
    public func start(ofWindow index: Int) -> Int {
        var generator = RandomGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
        return Int(generator.next() % UInt64(tokens.count - context))
    }

    /// The windows at `indices` and their next tokens, as `[indices.count, context]` each.
    public func batch(at indices: [Int]) -> TokenBatch {
        var inputs: [Int32] = [], targets: [Int32] = []
        inputs.reserveCapacity(indices.count * context)
        targets.reserveCapacity(indices.count * context)
        for index in indices {
            let start = start(ofWindow: index)
            inputs.append(contentsOf: tokens[start..<(start + context)])
            targets.append(contentsOf: tokens[(start + 1)...(start + context)])
        }
        return TokenBatch(inputs: IndexTensor(inputs, shape: [indices.count, context]),
                          targets: IndexTensor(targets, shape: [indices.count, context]))
    }
}
