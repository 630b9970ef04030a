import TensorCore

/// Where a run stands. Counters are 1-based while running, as in Ignite: during the first
/// iteration `iteration == 1` and `epoch == 1`.
///
/// ```swift
/// engine.on(.iterationCompleted(every: 50)) { engine in
///     print("epoch \(engine.state.epoch) iteration \(engine.state.iteration): \(engine.state.output!)")
/// }
/// ```
public final class EngineState<Batch, Output>: EngineProgress {
    /// The current epoch (1-based); after a run, the number of epochs run.
    public internal(set) var epoch: Int {
        get { now.epoch }
        set { now.epoch = newValue }
    }
    /// Iterations run since the start, over all epochs (1-based during an iteration).
    public internal(set) var iteration: Int {
        get { now.iteration }
        set { now.iteration = newValue }
    }
    /// Iterations run in the current epoch.
    public internal(set) var iterationInEpoch: Int {
        get { now.iterationInEpoch }
        set { now.iterationInEpoch = newValue }
    }
    /// Batches per epoch.
    public internal(set) var epochLength: Int {
        get { now.epochLength }
        set { now.epochLength = newValue }
    }
    /// Epochs the run aims for.
    public internal(set) var maxEpochs = 1
    /// The batch being processed.
    public internal(set) var batch: Batch?
    /// What the step returned for the last batch.
    public internal(set) var output: Output?
    /// Metric values by name, written by attached metrics and free for handlers to use.
    public var metrics: [String: Float] = [:]
    /// Metric values with more than one element (a confusion matrix, per-class scores) by name,
    /// their shape kept; loggers write them as tables (``MetricsLogger/logTable(_:values:step:)``).
    public var tables: [String: Tensor] = [:]
    /// Seconds spent: per epoch under `.epochCompleted` (the last epoch), in total under `.completed`.
    public internal(set) var times: [EventKind: Double] = [:]
    /// The error being handled, during ``Engine/onError(_:)`` handlers.
    public internal(set) var error: Error?
    /// Whether the last run reached its end (not terminated, no error).
    public internal(set) var isFinished = false
    /// What the engine is doing: the event whose handlers run (`epochStarted`), `step` inside
    /// the step function, `error` in the error handlers, `idle` outside a run. A frontend's hook
    /// dispatcher reads it to tell which event does each hook's job.
    public internal(set) var activity: String {
        get { now.activity }
        set { now.activity = newValue }
    }

    /// The counters and activity, which change every batch, in one private variable that is
    /// never changed in place through a call: the compiler then proves each access exclusive,
    /// and the reads and writes of a batch (a dozen in the engine, more in a frontend) skip the
    /// run-time check that a public variable keeps. (Not generic: a field of a generic struct
    /// would ask the runtime for the struct's layout in the engine's unspecialized loop.)
    private var now = EngineCounters()

    init() {}

    /// The position to save in a checkpoint.
    var position: EnginePosition {
        EnginePosition(epochLength: epochLength, iteration: iteration, maxEpochs: maxEpochs, isFinished: isFinished)
    }
}

/// Where an engine stands, without its batch and output types: what a frontend built on the
/// engine (the Structured `Trainer`) reads its position from instead of keeping a copy.
public protocol EngineProgress: AnyObject {
    /// The current epoch, 1-based; after a run, the number of epochs run.
    var epoch: Int { get }
    /// Iterations run since the start, over all epochs.
    var iteration: Int { get }
    /// Iterations run in the current epoch.
    var iterationInEpoch: Int { get }
    /// Batches per epoch.
    var epochLength: Int { get }
    /// What the engine is doing now: an event's name, `step`, `error` or `idle`.
    var activity: String { get }
}

/// An engine's position in a checkpoint: where a restored run continues.
public struct EnginePosition: CheckpointComponent, Equatable {
    /// The entry it is stored under.
    public static let checkpointKey = "engine"
    /// The layout's version.
    public static let checkpointVersion = 1
    /// Batches per epoch.
    public var epochLength: Int
    /// Iterations done over the whole run.
    public var iteration: Int
    /// Epochs the run aims for.
    public var maxEpochs: Int
    /// Whether the run had reached its end.
    public var isFinished: Bool

    /// A position; see the properties.
    public init(epochLength: Int, iteration: Int, maxEpochs: Int, isFinished: Bool) {
        self.epochLength = epochLength
        self.iteration = iteration
        self.maxEpochs = maxEpochs
        self.isFinished = isFinished
    }
}

/// An engine's counters and activity (``EngineState``'s storage).
struct EngineCounters {
    var epoch = 0, iteration = 0, iterationInEpoch = 0, epochLength = 0
    var activity = "idle"
}
