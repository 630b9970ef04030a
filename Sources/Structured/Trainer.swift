import Distributed
import Events
import Foundation
import Metrics
import TensorCore

/// How the Trainer uses processes.
public enum Strategy: Sendable {
    /// One process.
    case singleProcess
    /// Data parallelism: every rank holds the model, trains on its shard of each global batch,
    /// and gradients are averaged before each step. The launcher starts or joins the job
    /// (`MPILauncher()` from the OpenMPI module), so this module links no transport itself.
    case dataParallel(launcher: any ProcessGroupLauncher)
}

/// Runs a ``TrainingModule``: `fit`, `validate`, `test`, `predict` (Lightning's `Trainer`),
/// configured by typed properties with defaults.
///
/// The training loop is the Events frontend's ``Engine``: `fit` builds one whose step is the
/// automatic optimization step and registers the module's and callbacks' hooks on its events.
/// So the two frontends run the same loop and produce the same weights.
///
/// ```swift
/// let trainer = Trainer(maxEpochs: 5)
/// trainer.callbacks = [EarlyStoppingCallback(monitor: "val_loss", patience: 3)]
/// let metrics = try trainer.fit(classifier, train: trainLoader, validation: testLoader)
/// ```
public final class Trainer {
    // MARK: Configuration

    /// Epochs to run; with neither this nor ``maxSteps`` set, 1000 (Lightning's default).
    public var maxEpochs: Int?
    /// Optimizer steps to run (not batches).
    public var maxSteps: Int?
    /// Wall-clock budget; training stops after the batch that exceeds it.
    public var maxTime: Double?
    /// Training batches per epoch: all, a count, or a fraction.
    public var limitTrainBatches = BatchLimit.all
    /// Validation batches per pass.
    public var limitValidationBatches = BatchLimit.all
    /// Test batches per `test`.
    public var limitTestBatches = BatchLimit.all
    /// Prediction batches per `predict`.
    public var limitPredictBatches = BatchLimit.all
    /// When validation runs within an epoch (by default at its end).
    public var validationInterval = ValidationInterval.fraction(1)
    /// Validate every this many epochs; nil validates only by ``validationInterval`` batches.
    public var checkValidationEveryEpochs: Int? = 1
    /// Validation batches run before training to catch bugs early (discarded).
    public var sanityValidationSteps = 2
    /// Batches whose gradients are summed per optimizer step.
    public var gradientAccumulation = 1
    /// Applied to the summed gradients before each optimizer step.
    public var gradientClipping: GradientClipping?
    /// The gradient bucket size of data parallelism: one all-reduce each, overlapping backward.
    public var gradientBucketBytes = 25 << 20
    /// Exports the module to ONNX at the end of `fit` (from the best checkpoint by default); nil, the default, exports nothing.
    public var onnxExport: ONNXExportSettings?
    /// Run this many batches of each stage, one epoch, no checkpoints, loggers or early stopping.
    public var fastDevRun: Int?
    /// Train and validate on these first batches only (no shuffling of their order is assumed).
    public var overfitBatches: BatchLimit?
    /// Behaviour added to runs, called in order (monitoring ones last).
    public var callbacks: [any Callback] = []
    /// Loggers; nil gives a ``CSVLogger`` under `rootDirectory/lightning_logs`, `[]` none.
    public var loggers: [any MetricsLogger]?
    /// Steps between writes of per-step values to the loggers.
    public var logEveryNSteps = 50
    /// Adds a default ``CheckpointCallback`` (last epoch) when none is configured.
    public var enableCheckpointing = true
    /// Adds a ``ProgressBarCallback`` when none is configured.
    public var enableProgressBar = true
    /// Prints a ``ModelSummary`` at the start of `fit`.
    public var enableModelSummary = true
    /// Where default checkpoints and logs go.
    public var rootDirectory = "."
    /// One process, or data parallelism over ``devices`` processes.
    public var strategy = Strategy.singleProcess
    /// Processes for `.dataParallel`. Started outside a job, `fit` starts the program again as a
    /// job of `devices` processes (`mpirun -np devices` for `MPILauncher`) and exits with its
    /// status; inside a job, the job's size decides.
    public var devices = 1
    /// Times every hook (each callback's and the module's), step, data fetch and handler of
    /// `fit`, `validate` and `test` when set; print its `summaryTable()` afterwards.
    public var profiler: RunProfiler?
    /// The processes that train together: set by the strategy, or directly (for example an
    /// in-process communicator in tests).
    public var communicator: any Communicator = SingleProcessCommunicator()

    /// A trainer for `maxEpochs` epochs; set other properties as needed.
    public init(maxEpochs: Int? = nil, maxSteps: Int? = nil, callbacks: [any Callback] = []) {
        self.maxEpochs = maxEpochs
        self.maxSteps = maxSteps
        self.callbacks = callbacks
    }

    // MARK: State during and after a run

    /// The current epoch, 0-based (Lightning's `current_epoch`): the training engine's epoch.
    public var currentEpoch: Int { Swift.max((trainingProgress?.epoch ?? 1) - 1, 0) }
    /// Optimizer steps taken (Lightning's `global_step`).
    public internal(set) var globalStep: Int {
        get { steps }
        set { steps = newValue }
    }
    /// ``globalStep``'s storage, private: the compiler then proves each access exclusive and
    /// drops the run-time check a public variable keeps (it changes every batch).
    private var steps = 0
    /// Batches run in the current training epoch: the training engine's count.
    public var batchInEpoch: Int { trainingProgress?.iterationInEpoch ?? 0 }
    /// The training engine's state, seen through the names above.
    var trainingProgress: (any EngineProgress)?
    /// Batches per training epoch.
    public internal(set) var trainBatchesPerEpoch = 0
    /// Where logged values go: Events' publisher, shared by the runs of this trainer.
    public let publisher = LogPublisher()
    /// The latest value of every logged name: what monitoring callbacks read.
    public var callbackMetrics: [String: Float] { publisher.latest }
    /// Values logged with `progressBar: true`.
    public var progressBarMetrics: [String: Float] { publisher.progressBar }
    /// Set to true to stop training after the current batch.
    public var shouldStop = false
    /// Whether a sanity check is running.
    public internal(set) var isSanityChecking = false
    /// Whether the current `fit` has validation data.
    public internal(set) var hasValidationData = false
    /// The module being run.
    public internal(set) weak var module: (any Module)?
    /// The optimizer the current `fit` steps and checkpoints: the module's one optimizer, or a
    /// ``CombinedOptimizer`` over its several.
    public internal(set) var optimizer: (any Optimizer)?
    /// Every optimizer from `configureOptimizers()`, in order (Lightning's `trainer.optimizers`).
    public internal(set) var optimizers: [any Optimizer] = []
    /// Each optimizer's learning-rate scheduler, nil where it has none.
    public internal(set) var schedulers: [LearningRateScheduler?] = []
    /// The first optimizer's learning-rate scheduler, if any.
    public var scheduler: LearningRateScheduler? { schedulers.first ?? nil }
    var schedulerConfigurations: [SchedulerConfiguration?] = []
    var schedulerConfiguration: SchedulerConfiguration? { schedulerConfigurations.first ?? nil }
    /// Loggers in use during a run.
    public var activeLoggers: [any MetricsLogger] { publisher.loggers }
    /// Whether this process is rank 0.
    public var isGlobalZero: Bool { communicator.isMain }
    /// The warnings this trainer printed (on rank 0, each once), for programs and tests to read.
    public internal(set) var warnings: [String] = []
    /// Where each hook ran in the runs so far: the Events engine (`training`, `validation`,
    /// `test`) and what it was doing (an event's name, or `step` inside the step function), or
    /// `outside the engine`. Observed as the hooks are dispatched, so a table made from it (the
    /// comparison report's hook-to-event table) cannot drift from the code.
    public internal(set) var hookPlaces: [Hook: Set<String>] = [:]

    /// Prints `message` as a warning on rank 0 the first time it comes up.
    func warnOnce(_ message: String) {
        guard !warnings.contains(message) else { return }
        warnings.append(message)
        if isGlobalZero { FileHandle.standardError.write(Data("warning: \(message)\n".utf8)) }
    }

    var context: TrainerContext?
    /// The plateau schedule of the current `fit`, run by Events' rule.
    var plateau: ReduceOnPlateau?
    var saveCheckpointHandler: ((_ path: String, _ extra: [String: String]) throws -> Void)?
    /// Sharded optimizer and model state, gathered by every rank for the checkpoint being written.
    var gatheredState: (optimizer: OptimizerState?, model: [(name: String, tensor: Tensor)]?) = (nil, nil)

    /// The callbacks in calling order, monitoring ones last (fixed when a run starts).
    var orderedCallbacks: [any Callback] { dispatcher.callbacks }
    /// The current run's hook dispatch (``orderCallbacks()`` fixes it when the run starts).
    var dispatcher = HookDispatcher()

    /// Fixes the calling order of ``callbacks``, the profiler and the context for a run.
    func orderCallbacks() {
        dispatcher = HookDispatcher(callbacks: callbacks.filter { !$0.isMonitoring } + callbacks.filter(\.isMonitoring),
                                    profiler: profiler, context: context)
    }

    /// The one hook dispatcher: marks `hook` as the current hook (which decides what `log` may
    /// do in it), runs each callback's version in calling order, then the module's.
    func dispatch(_ hook: Hook, _ callback: (any Callback) throws -> Void, module: () throws -> Void) rethrows {
        try dispatcher.dispatch(hook, callback, module: module)
    }

    /// ``dispatch(_:_:module:)`` for hooks that only callbacks have.
    func dispatch(_ hook: Hook, _ callback: (any Callback) throws -> Void) rethrows {
        try dispatcher.dispatch(hook, callback)
    }

    /// The checkpoint callbacks in use.
    public var checkpointCallbacks: [CheckpointCallback] { callbacks.compactMap { $0 as? CheckpointCallback } }

    /// Writes a training checkpoint of the current run to `path` (rank 0), atomically: the
    /// model, optimizer, schedule, loop position, every callback's and the module's state, and
    /// `extra` entries on top (a checkpoint callback's bookkeeping of the file being written).
    /// A sharded optimizer's (ZeRO) state must be gathered by every rank: checkpoint callbacks do it.
    public func saveCheckpoint(to path: String, extra: [String: String] = [:]) throws {
        guard isGlobalZero else { return }
        try saveCheckpointHandler?(path, extra)
    }

    func validateSettings(automaticOptimization: Bool) throws {
        if let maxEpochs, maxEpochs < 1 { throw TrainerError.invalidSetting("maxEpochs must be at least 1, got \(maxEpochs)") }
        if let maxSteps, maxSteps < 1 { throw TrainerError.invalidSetting("maxSteps must be at least 1, got \(maxSteps)") }
        if let maxTime, !(maxTime > 0 && maxTime.isFinite) { throw TrainerError.invalidSetting("maxTime must be a positive number of seconds, got \(maxTime)") }
        if gradientAccumulation < 1 { throw TrainerError.invalidSetting("gradientAccumulation must be at least 1, got \(gradientAccumulation)") }
        if logEveryNSteps < 1 { throw TrainerError.invalidSetting("logEveryNSteps must be at least 1, got \(logEveryNSteps)") }
        if case .everyBatches(let n) = validationInterval, n < 1 { throw TrainerError.invalidSetting("validationInterval every \(n) batches") }
        if case .fraction(let f) = validationInterval, !(f > 0 && f <= 1) { throw TrainerError.invalidSetting("validationInterval fraction must be in (0, 1], got \(f)") }
        if !automaticOptimization && gradientAccumulation != 1 {
            throw TrainerError.invalidSetting("gradientAccumulation is not supported with manual optimization; accumulate in trainingStep")
        }
        if !automaticOptimization && gradientClipping != nil {
            throw TrainerError.invalidSetting("gradientClipping is not supported with manual optimization; clip in trainingStep")
        }
    }
}
