import Events
import Metrics
import TensorCore

/// The hooks `log` can be called from, with Lightning's defaults (`fx_validator.py`): steps and
/// batch hooks of training log per step, everything else per epoch; some hooks may not log.
public enum Hook: String, Sendable {
    case fitStart, fitEnd, trainStart, trainEnd, trainEpochStart, trainEpochEnd, trainBatchStart, trainBatchEnd
    case trainingStep, beforeBackward, afterBackward, beforeOptimizerStep, beforeZeroGrad
    case validationStart, validationEnd, validationEpochStart, validationEpochEnd, validationBatchStart, validationBatchEnd, validationStep
    case testStart, testEnd, testEpochStart, testEpochEnd, testBatchStart, testBatchEnd, testStep
    case predictStep, configureOptimizers, saveCheckpoint, loadCheckpoint, exception

    /// (onStep, onEpoch) defaults, or nil where logging is not allowed.
    var loggingDefaults: (onStep: Bool, onEpoch: Bool)? {
        switch self {
        case .trainingStep, .trainBatchStart, .trainBatchEnd, .beforeBackward, .afterBackward, .beforeOptimizerStep, .beforeZeroGrad:
            (true, false)
        case .validationStep, .validationBatchStart, .validationBatchEnd, .testStep, .testBatchStart, .testBatchEnd,
             .trainStart, .trainEpochStart, .trainEpochEnd, .validationStart, .validationEpochStart, .validationEpochEnd,
             .testStart, .testEpochStart, .testEpochEnd:
            (false, true)
        default: nil
        }
    }

    /// Hooks where `onStep: true` is not allowed (they run once per epoch or run).
    var allowsStepLogging: Bool {
        switch self {
        case .trainStart, .trainEpochStart, .trainEpochEnd, .validationStart, .validationEpochStart, .validationEpochEnd,
             .testStart, .testEpochStart, .testEpochEnd: false
        default: true
        }
    }
}

/// How epoch-level values of one logged name combine over the epoch's calls.
public enum LogReduction: Sendable {
    /// The mean weighted by batch size (Lightning's default).
    case mean
    case sum, max, min
}

/// Misuse of the Structured frontend: always raised before training starts or at the call
/// that is wrong, naming the setting.
public enum TrainerError: Error, CustomStringConvertible, Equatable {
    case loggingNotAllowed(name: String, hook: String)
    case stepLoggingNotAllowed(name: String, hook: String)
    case logOutsideTrainer(name: String)
    case invalidSetting(String)
    case missingData(String)
    case monitoredMetricMissing(callback: String, monitor: String, available: [String])
    case noCheckpoint(String)
    case nonScalarValue(name: String, shape: [Int])

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .loggingNotAllowed(name, hook): "log(\"\(name)\") is not allowed in \(hook)"
        case let .stepLoggingNotAllowed(name, hook): "log(\"\(name)\", onStep: true) is not allowed in \(hook), which runs once per epoch"
        case .logOutsideTrainer(let name): "log(\"\(name)\") was called outside a Trainer run"
        case .invalidSetting(let detail): "invalid Trainer setting: \(detail)"
        case .missingData(let detail): detail
        case let .monitoredMetricMissing(callback, monitor, available):
            "\(callback) monitors \"\(monitor)\", which was never logged; logged: \(available.sorted().joined(separator: ", "))"
        case .noCheckpoint(let detail): detail
        case let .nonScalarValue(name, shape): "log(\"\(name)\") needs one number, got a tensor of shape \(shape)"
        }
    }
}

/// The logged values of one stage (training, validation or test) and how they combine.
final class LogResults {
    struct Entry {
        var onStep: Bool, onEpoch: Bool, reduction: LogReduction, progressBar: Bool, logger: Bool, sync: Bool
        var total = 0.0, weight = 0.0, extreme: Double?
        var metric: (any Metric)?
    }
    private(set) var entries: [String: Entry] = [:]
    private(set) var order: [String] = []

    func record(_ name: String, value: Float?, metric: (any Metric)?, entry template: Entry, batchSize: Int) {
        if entries[name] == nil {
            entries[name] = template
            order.append(name)
        }
        guard let value else { entries[name]!.metric = metric; return }
        let v = Double(value)
        switch entries[name]!.reduction {
        case .mean:
            entries[name]!.total += v * Double(batchSize)
            entries[name]!.weight += Double(batchSize)
        case .sum:
            entries[name]!.total += v
            entries[name]!.weight = 1
        case .max:
            entries[name]!.extreme = Swift.max(entries[name]!.extreme ?? -.infinity, v)
            entries[name]!.weight = 1
        case .min:
            entries[name]!.extreme = Swift.min(entries[name]!.extreme ?? .infinity, v)
            entries[name]!.weight = 1
        }
    }

    /// The epoch-level values (`name` or `name_epoch` when also logged per step), reduced across
    /// processes where asked; logged metric objects are computed and reset.
    func epochValues(communicator: any Communicator) throws -> (all: [String: Float], progressBar: Set<String>, logger: Set<String>) {
        var values: [String: Float] = [:], bar = Set<String>(), logger = Set<String>()
        for name in order {
            let entry = entries[name]!
            guard entry.onEpoch else { continue }
            let key = entry.onStep ? "\(name)_epoch" : name
            var value: Float
            if let metric = entry.metric {
                value = try (entry.sync || communicator.worldSize > 1 ? metric.compute(over: communicator) : metric.compute()).scalar
                metric.reset()
            } else {
                var pair: [Double]
                switch entry.reduction {
                case .mean, .sum: pair = [entry.total, entry.weight]
                case .max, .min: pair = [entry.extreme ?? .nan, 1]
                }
                if entry.sync {
                    switch entry.reduction {
                    case .mean, .sum: try communicator.allReduce(&pair, operation: .sum)
                    case .max: try communicator.allReduce(&pair, operation: .max)
                    case .min: try communicator.allReduce(&pair, operation: .min)
                    }
                }
                value = Float(entry.reduction == .mean ? pair[0] / pair[1] : pair[0])
            }
            values[key] = value
            if entry.progressBar { bar.insert(key) }
            if entry.logger { logger.insert(key) }
        }
        return (values, bar, logger)
    }

    func reset() {
        for name in order where entries[name]!.metric == nil {
            entries[name]!.total = 0
            entries[name]!.weight = 0
            entries[name]!.extreme = nil
        }
    }
}

/// What `log` writes into while a Trainer runs: bound for the duration of `fit`, `validate`
/// and `test`.
final class TrainerContext: @unchecked Sendable {
    unowned let trainer: Trainer
    var hook: Hook = .fitStart
    var results: LogResults
    var batchSize = 1
    /// Values logged per step since the last logger write.
    var stepValues: [String: Float] = [:]
    var stepProgressBar = Set<String>()
    var stepLogger = Set<String>()
    var isSanityCheck = false
    /// Set for manual optimization.
    var optimizer: (any Optimizer)?
    /// The run's optimization step (manual optimization's backward goes through it).
    var optimization: OptimizationStep?
    /// Metric objects logged during the sanity check, reset when it ends.
    var sanityMetrics: [any Metric] = []
    var module: (any Module)?

    init(trainer: Trainer, results: LogResults) {
        self.trainer = trainer
        self.results = results
    }

    @TaskLocal static var current: TrainerContext?
}

extension TrainingModule {
    /// Logs `value` under `name` (Lightning's `self.log`), from any step or hook that allows it.
    ///
    /// `onStep` and `onEpoch` default by hook: per step in training steps and training batch
    /// hooks, per epoch elsewhere. With both, two keys appear: `name_step` and `name_epoch`. Epoch
    /// values combine by `reduction`; the mean is weighted by `batchSize` (inferred from the
    /// batch's first dimension). `syncAcrossProcesses` reduces the epoch value across ranks.
    /// Values land in ``Trainer/callbackMetrics`` (what callbacks monitor), in the progress bar
    /// when `progressBar`, and in the loggers when `logger`.
    ///
    /// ```swift
    /// func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
    ///     let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
    ///     try log("train_loss", loss.scalar, progressBar: true)
    ///     return loss
    /// }
    /// ```
    public func log(_ name: String, _ value: Float, onStep: Bool? = nil, onEpoch: Bool? = nil, reduction: LogReduction = .mean,
                    progressBar: Bool = false, logger: Bool = true, batchSize: Int? = nil, syncAcrossProcesses: Bool = false) throws {
        try logValue(name, value: value, metric: nil, onStep: onStep, onEpoch: onEpoch, reduction: reduction,
                     progressBar: progressBar, logger: logger, batchSize: batchSize, sync: syncAcrossProcesses)
    }

    /// Logs a one-element tensor (a loss, a mean) as ``log(_:_:onStep:onEpoch:reduction:progressBar:logger:batchSize:syncAcrossProcesses:)``.
    /// - Throws: ``TrainerError/nonScalarValue(name:shape:)`` for a tensor of more than one
    ///   element: which tensor reaches `log` depends on the data, so it is an error, not a trap.
    public func log(_ name: String, _ value: Tensor, onStep: Bool? = nil, onEpoch: Bool? = nil, reduction: LogReduction = .mean,
                    progressBar: Bool = false, logger: Bool = true, batchSize: Int? = nil, syncAcrossProcesses: Bool = false) throws {
        guard value.scalarCount == 1 else { throw TrainerError.nonScalarValue(name: name, shape: value.shape) }
        try log(name, value.scalars[0], onStep: onStep, onEpoch: onEpoch, reduction: reduction, progressBar: progressBar,
                logger: logger, batchSize: batchSize, syncAcrossProcesses: syncAcrossProcesses)
    }

    /// Logs a metric object: the trainer computes it at the end of the epoch and resets it
    /// (update it in your steps yourself). It synchronizes across processes on its own.
    public func log(_ name: String, _ metric: any Metric, progressBar: Bool = false, logger: Bool = true) throws {
        try logValue(name, value: nil, metric: metric, onStep: false, onEpoch: true, reduction: .mean,
                     progressBar: progressBar, logger: logger, batchSize: nil, sync: false)
    }

    private func logValue(_ name: String, value: Float?, metric: (any Metric)?, onStep: Bool?, onEpoch: Bool?, reduction: LogReduction,
                          progressBar: Bool, logger: Bool, batchSize: Int?, sync: Bool) throws {
        guard let context = TrainerContext.current else { throw TrainerError.logOutsideTrainer(name: name) }
        guard let defaults = context.hook.loggingDefaults else {
            throw TrainerError.loggingNotAllowed(name: name, hook: context.hook.rawValue)
        }
        let step = onStep ?? defaults.onStep, epoch = onEpoch ?? defaults.onEpoch
        if step && !context.hook.allowsStepLogging { throw TrainerError.stepLoggingNotAllowed(name: name, hook: context.hook.rawValue) }
        if context.isSanityCheck {   // sanity-check values are discarded, as in Lightning
            if let metric { context.sanityMetrics.append(metric) }
            return
        }
        let template = LogResults.Entry(onStep: step, onEpoch: epoch, reduction: reduction, progressBar: progressBar, logger: logger, sync: sync)
        context.results.record(name, value: value, metric: metric, entry: template, batchSize: batchSize ?? context.batchSize)
        if step, let value {
            let key = epoch ? "\(name)_step" : name
            context.stepValues[key] = value
            if progressBar { context.stepProgressBar.insert(key) }
            if logger { context.stepLogger.insert(key) }
        }
    }
}
