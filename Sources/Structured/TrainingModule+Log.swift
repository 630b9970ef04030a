import Events
import Metrics
import TensorCore

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
        let options = LoggedValues.Options(onStep: step, onEpoch: epoch, reduction: reduction, progressBar: progressBar,
                                           logger: logger, synchronized: sync)
        if let value {
            context.results.log(name, value, options: options, batchSize: batchSize ?? context.batchSize)
        } else if let metric {
            context.results.log(name, metric: metric, progressBar: progressBar, logger: logger)
        }
    }
}
