import TensorCore
import Distributed

/// The package's one optimization step, shared by ``supervisedTrainer(model:optimizer:loss:options:)``
/// and the Structured `Trainer`: accumulation window, loss scaling, backward, gradient and buffer
/// synchronization across processes, clipping, the optimizer update and zero-grad.
///
/// The accumulation rule (Lightning's and this package's): a window of `accumulation` batches
/// sums the gradients of losses divided by `accumulation`; the window that ends an epoch steps
/// even when it is shorter, so every epoch starts with zero gradients. The open window (its
/// batch and example counts) is part of the engine's checkpoint position, and a checkpoint taken
/// inside a window also saves the summed gradients (``isWindowOpen``), so a resume from any
/// iteration equals the uninterrupted run bit for bit.
///
/// ```swift
/// let step = OptimizationStep(optimizer: optimizer, accumulation: 4, clipping: .norm(1))
/// let engine = Engine { engine, (batch: LabeledBatch) -> Float in
///     let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
///     try step.apply(loss: loss, examples: batch.count, endsEpoch: engine.state.iterationInEpoch == engine.state.epochLength)
///     return loss.scalar
/// }
/// engine.optimization = step   // checkpoints then carry the window
/// ```
public final class OptimizationStep {
    /// The optimizer stepped at the end of each window.
    public let optimizer: any Optimizer
    /// Batches whose gradients are summed per optimizer step.
    public let accumulation: Int
    /// Applied to the summed (and synchronized) gradients before each update.
    public var clipping: GradientClipping?
    /// The processes training together; nil or one process means no synchronization.
    public let communicator: (any Communicator)?
    /// Behaviour at the step's hook points (the Structured frontend's hooks).
    public var hooks: (any OptimizationHooks)?
    /// The learning-rate schedules this step advances (one per optimizer at most): after every
    /// `frequency` optimizer steps, or at the end of every `frequency` epochs
    /// (``epochEnded(_:)``). Empty: none, or schedules attached to the engine as handlers.
    /// Their step counts are part of the checkpointed ``window``.
    public var schedules: [(scheduler: LearningRateScheduler, interval: ScheduleInterval, frequency: Int)] = []
    /// Optimizer updates taken since the start of the run (restored with the position).
    public internal(set) var stepsTaken: Int {
        get { counts.steps }
        set { counts.steps = newValue }
    }
    /// Batches in the current, unfinished window.
    public internal(set) var windowBatches: Int {
        get { counts.windowBatches }
        set { counts.windowBatches = newValue }
    }
    /// Examples in the current, unfinished window (weights the cross-process average).
    public internal(set) var windowExamples: Int {
        get { counts.windowExamples }
        set { counts.windowExamples = newValue }
    }
    /// The counts above, changed every batch, in a private variable: the compiler proves each
    /// access exclusive and drops the run-time check a public variable keeps.
    private var counts = (steps: 0, windowBatches: 0, windowExamples: 0)

    private let model: (any Module)?
    private let synchronizer: GradientSynchronizer?
    private let gradientSharding: ShardedOptimizer?

    /// Whether gradient buckets are all-reduced while backward runs (the default, as DDP) or
    /// all after it. Both give the same weights bit for bit; only the step time differs.
    public var overlapsCommunication: Bool {
        get { synchronizer?.overlapsBackward ?? false }
        set { synchronizer?.overlapsBackward = newValue }
    }

    /// - Parameters:
    ///   - model: the model whose buffers (running statistics) follow rank 0's after every
    ///     batch when several processes train, as PyTorch DDP's `broadcast_buffers`.
    ///   - bucketBytes: the size of a gradient bucket, one all-reduce each (25 MB, DDP's default).
    public init(optimizer: any Optimizer, accumulation: Int = 1, clipping: GradientClipping? = nil,
                communicator: (any Communicator)? = nil, model: (any Module)? = nil, bucketBytes: Int = 25 << 20) {
        precondition(accumulation >= 1, "OptimizationStep: accumulation must be at least 1, got \(accumulation)")
        self.optimizer = optimizer
        self.accumulation = accumulation
        self.clipping = clipping
        let distributed = (communicator?.worldSize ?? 1) > 1
        self.communicator = distributed ? communicator : nil
        self.model = model
        // ZeRO stage 2 reduce-scatters the gradients itself, instead of all-reducing them.
        let sharded = (optimizer as? ShardedOptimizer).flatMap { $0.stage == .gradients ? $0 : nil }
        precondition(sharded == nil || clipping == nil,
                     "OptimizationStep: gradient clipping needs whole gradients; ZeRO stage 2 shards them (use stage 1 to clip)")
        gradientSharding = distributed ? sharded : nil
        synchronizer = distributed && sharded == nil ? communicator.map {
            GradientSynchronizer(parameters: optimizer.parameters, communicator: $0, bucketBytes: bucketBytes)
        } : nil
    }

    /// Whether gradients of an unfinished window are held: a checkpoint taken now must save them.
    public var isWindowOpen: Bool { windowBatches > 0 }

    /// Backpropagates `loss` (of a batch of `examples` examples) into the current window and
    /// steps the optimizer when the window is full or `endsEpoch`. Returns whether it stepped.
    /// - Throws: a data-dependent error recorded while computing `loss` (before backward runs),
    ///   or a communication error.
    @discardableResult
    public func apply(loss: Tensor, examples: Int, endsEpoch: Bool) throws -> Bool {
        try throwPendingDataError()
        try synchronizeBuffers()
        // Each variable read once: a read of a class's variable is checked for exclusive
        // access at run time, and this runs every batch.
        let profiler = OperationProfiler.current, hooks = hooks
        let batches = windowBatches, examplesInWindow = windowExamples + examples
        if batches == 0 {
            hooks?.beforeZeroGrad(optimizer)
            OperationProfiler.measure("zero gradients", by: profiler) { optimizer.zeroGradients() }
        }
        let scaled = accumulation == 1 ? loss : loss / Float(accumulation)
        let closesWindow = batches + 1 == accumulation || endsEpoch
        // The window's last backward sends each gradient bucket as soon as it is final.
        if closesWindow { synchronizer?.prepareBackward(localExamples: examplesInWindow) }
        hooks?.beforeBackward(scaled)
        scaled.backward()
        (windowBatches, windowExamples) = (batches + 1, examplesInWindow)
        hooks?.afterBackward()
        guard closesWindow else { return false }
        try OperationProfiler.measure("gradient synchronization", by: profiler) {
            try synchronizer?.synchronize(localExamples: examplesInWindow)
            try gradientSharding?.reduceGradients(localExamples: examplesInWindow)
        }
        hooks?.beforeOptimizerStep(optimizer)
        if let clipping { OperationProfiler.measure("gradient clipping", by: profiler) { clipping.apply(to: optimizer.parameters) } }
        OperationProfiler.measure("\(type(of: optimizer)).step", by: profiler) { optimizer.step() }
        (windowBatches, windowExamples) = (0, 0)
        stepsTaken += 1
        advanceSchedules(.iteration, count: stepsTaken)
        try hooks?.afterOptimizerStep(optimizer)
        return true
    }

    /// Manual optimization's bookkeeping after a training batch whose step updated the
    /// optimizers itself: one step counted, and per-step schedules advanced (a batch is one step
    /// however many optimizers it updated).
    public func countManualStep() {
        stepsTaken += 1
        advanceSchedules(.iteration, count: stepsTaken)
    }

    private func advanceSchedules(_ interval: ScheduleInterval, count: Int) {
        for schedule in schedules where schedule.interval == interval && count % schedule.frequency == 0 { schedule.scheduler.step() }
    }

    /// Advances an epoch-interval schedule at the end of epoch `epoch` (1-based), every
    /// `frequency` epochs. The frontend calls it after the epoch's last batch.
    public func epochEnded(_ epoch: Int) {
        advanceSchedules(.epoch, count: epoch)
    }

    /// Manual optimization's backward: the backward hooks, backward, and the gradients averaged
    /// across processes (weighted by `examples`), as DDP's backward does. Averaging is linear,
    /// so several calls before one update still give the average of the summed gradients.
    public func manualBackward(_ loss: Tensor, examples: Int) throws {
        try throwPendingDataError()
        synchronizer?.prepareBackward(localExamples: examples)
        hooks?.beforeBackward(loss)
        loss.backward()
        hooks?.afterBackward()
        try synchronizer?.synchronize(localExamples: examples)
        try gradientSharding?.reduceGradients(localExamples: examples)
    }

    /// Makes this rank's buffers rank 0's (several processes only).
    public func synchronizeBuffers() throws {
        guard let communicator, let model else { return }
        try model.broadcastBuffers(over: communicator)
    }

    // MARK: Checkpoints

    /// The step's part of a checkpoint: optimizer steps taken and the open accumulation window.
    public struct Window: CheckpointComponent, Equatable {
        /// The entry it is stored under.
        public static let checkpointKey = "optimization"
        /// The layout's version.
        public static let checkpointVersion = 1
        /// Optimizer updates since the start of the run.
        public var steps = 0
        /// Batches in the open window.
        public var batches = 0
        /// Examples in the open window.
        public var examples = 0
        /// Each of ``OptimizationStep/schedules``' step counts, in order (absent in files
        /// written before several schedules existed).
        public var scheduleSteps: [Int]?
    }

    /// The step's position, for a checkpoint.
    public var window: Window {
        Window(steps: stepsTaken, batches: windowBatches, examples: windowExamples,
               scheduleSteps: schedules.isEmpty ? nil : schedules.map(\.scheduler.stepCount))
    }

    /// Restores a position saved with ``window``.
    /// - Throws: ``EngineError/invalidCheckpoint(_:)`` for counts that do not fit this step.
    func restore(_ window: Window) throws {
        guard window.steps >= 0, window.batches >= 0, window.examples >= 0 else {
            throw EngineError.invalidCheckpoint("negative counts in the optimization window")
        }
        guard window.batches < accumulation else {
            throw EngineError.invalidCheckpoint("an open window of \(window.batches) batches does not fit accumulation \(accumulation)")
        }
        if let steps = window.scheduleSteps {
            guard steps.count == schedules.count, steps.allSatisfy({ $0 >= 0 }) else {
                throw EngineError.invalidCheckpoint("\(steps.count) schedule step counts \(steps) for \(schedules.count) schedules")
            }
            for (schedule, count) in zip(schedules, steps) { schedule.scheduler.restore(stepCount: count) }
        }
        stepsTaken = window.steps
        windowBatches = window.batches
        windowExamples = window.examples
    }
}
