import TensorCore

/// Lightning's `scale_batch_size` in power mode, for a CPU: the largest batch whose training
/// step stays under a memory limit. There is no out-of-memory error to catch here, so each trial
/// measures the peak tensor bytes (``TensorMemory``) of its steps above what was alive before
/// the first trial: the batch itself, the activations, the gradients and the optimizer's state.
/// The batch doubles until a step needs more than ``memoryLimit``. The model, optimizer and random
/// generator are restored afterwards, bit for bit, as with ``LearningRateFinder``.
///
/// ```swift
/// let result = try BatchSizeFinder(memoryLimit: 512 << 20).run(model: model, optimizer: optimizer,
///     batch: { size in images.firstBatch(of: size) }) { batch in
///     (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
/// }
/// let loader = DataLoader(train, batchSize: result.size, shuffle: true)
/// ```
public struct BatchSizeFinder: Sendable {
    /// The most bytes a step may hold at its peak (activations, gradients, optimizer updates).
    public var memoryLimit: Int
    /// The first batch size tried.
    public var initialSize: Int
    /// The largest batch size tried.
    public var maximumSize: Int
    /// Training steps per trial (the first step of an optimizer also allocates its state).
    public var stepsPerTrial: Int

    /// A finder with these settings.
    public init(memoryLimit: Int, initialSize: Int = 2, maximumSize: Int = 1 << 16, stepsPerTrial: Int = 2) {
        precondition(memoryLimit > 0 && initialSize >= 1 && maximumSize >= initialSize && stepsPerTrial >= 1,
                     "BatchSizeFinder: need a positive limit, 1 <= initialSize <= maximumSize, and at least one step per trial")
        (self.memoryLimit, self.initialSize, self.maximumSize, self.stepsPerTrial) = (memoryLimit, initialSize, maximumSize, stepsPerTrial)
    }

    /// What the trials found.
    public struct Result: Sendable {
        /// Each batch size tried, with its step's peak bytes.
        public let trials: [(size: Int, peakBytes: Int)]
        /// The largest size whose step fit, or nil when even ``initialSize`` did not.
        public let size: Int?
    }

    /// Doubles the batch from ``initialSize`` while a step fits: `batch(size)` makes a batch of
    /// that many examples, `loss` its loss and example count. Restores everything afterwards.
    /// - Throws: what `batch`, `loss` or the optimization step throws, after the restore.
    public func run<Batch>(model: any Module, optimizer: any Optimizer, batch: (Int) throws -> Batch,
                           loss: (Batch) throws -> (loss: Tensor, examples: Int)) throws -> Result {
        try withRestoredTrainingState(model: model, optimizer: optimizer) {
            try trials(model: model, optimizer: optimizer, batch: batch, loss: loss)
        }
    }

    private func trials<Batch>(model: any Module, optimizer: any Optimizer, batch: (Int) throws -> Batch,
                               loss: (Batch) throws -> (loss: Tensor, examples: Int)) throws -> Result {
        let optimization = OptimizationStep(optimizer: optimizer, model: model)
        model.train()
        var trials: [(size: Int, peakBytes: Int)] = [], fitting: Int?
        var size = initialSize
        let baseline = TensorMemory.liveBytes
        while size <= maximumSize {
            let made = try batch(size)
            TensorMemory.resetPeak()
            for _ in 0..<stepsPerTrial {
                let (value, examples) = try loss(made)
                _ = try optimization.apply(loss: value, examples: examples, endsEpoch: false)
            }
            let peak = TensorMemory.peakBytes - baseline
            trials.append((size, peak))
            guard peak <= memoryLimit else { break }
            fitting = size
            size *= 2
        }
        return Result(trials: trials, size: fitting)
    }
}
