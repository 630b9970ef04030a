import Events
import Foundation
import Metrics
import TensorCore

/// Saves training checkpoints (Lightning's `ModelCheckpoint`): every `everyEpochs` epochs (after
/// that epoch's validation) or every `everySteps` optimizer steps, keeping the `saveTopK` best by
/// `monitor` (or the newest when there is no monitor), plus `last.ckpt` with `saveLast`.
///
/// The file name comes from `filename`: `{epoch}`, `{step}` and any logged value, with an optional
/// format, `{val_loss:.3f}`, rendered as `name=value`: `"{epoch}-{val_loss:.3f}"` gives
/// `epoch=2-val_loss=0.123.ckpt`. Writes are atomic; files beyond the top k are deleted after
/// the new one is in place. Only rank 0 writes.
///
/// ```swift
/// let checkpoints = CheckpointCallback(directory: "checkpoints", filename: "{epoch}-{val_loss:.3f}",
///                                      monitor: "val_loss", mode: .min, saveTopK: 2, saveLast: true)
/// ```
public final class CheckpointCallback: Callback {
    /// Where the files go.
    public let directory: String
    /// The file name template (see the type's documentation).
    public let filename: String
    /// The logged value that ranks the files; nil keeps the newest.
    public let monitor: String?
    /// Which way `monitor` improves.
    public let mode: MonitorMode
    /// How many to keep: -1 all, 0 none (only `last.ckpt`).
    public let saveTopK: Int
    /// Whether `last.ckpt` is written at every save too.
    public let saveLast: Bool
    /// Save after every this many epochs (after that epoch's validation).
    public let everyEpochs: Int?
    /// Save after every this many optimizer steps.
    public let everySteps: Int?
    /// Whether this callback reads logged values at epoch end (it does).
    public var isMonitoring: Bool { true }
    /// The most recent `last.ckpt`.
    public private(set) var lastModelPath: String?
    /// The kept files: retention and bookkeeping shared with Events' ``ModelCheckpoint``.
    private var files: CheckpointFiles?
    /// `globalStep` when the current batch started: `everySteps` saves only after a batch that
    /// stepped the optimizer, so an accumulation window never rewrites a step's file.
    private var stepAtBatchStart = 0

    /// A callback saving into `directory`; see the type's documentation for each setting.
    public init(directory: String = "checkpoints", filename: String = "{epoch}-{step}", monitor: String? = nil, mode: MonitorMode = .min,
                saveTopK: Int = 1, saveLast: Bool = false, everyEpochs: Int? = nil, everySteps: Int? = nil) {
        precondition(saveTopK >= -1, "CheckpointCallback: saveTopK must be -1, 0 or positive")
        precondition(monitor != nil || saveTopK <= 1, "CheckpointCallback: without a monitor, saveTopK must be -1, 0 or 1")
        precondition(everyEpochs == nil || everySteps == nil, "CheckpointCallback: everyEpochs and everySteps exclude each other")
        self.directory = directory
        self.filename = filename
        self.monitor = monitor
        self.mode = mode
        self.saveTopK = saveTopK
        self.saveLast = saveLast
        self.everyEpochs = everyEpochs ?? (everySteps == nil ? 1 : nil)
        self.everySteps = everySteps
        switch saveTopK {
        case 0: files = nil
        case -1: files = CheckpointFiles(retention: .all)
        default: files = CheckpointFiles(retention: monitor == nil ? .newest(saveTopK) : .best(saveTopK, mode: mode))
        }
    }

    /// The best file so far (the newest without a monitor).
    public var bestModelPath: String? { files?.best?.path }
    /// The best file's score.
    public var bestModelScore: Float? { files?.best?.score }
    /// The kept files and their scores.
    public var bestKModels: [String: Float] {
        Dictionary((files?.kept ?? []).compactMap { file in file.score.map { (file.path, $0) } }) { first, _ in first }
    }

    /// Saves after the epoch's validation, every `everyEpochs` epochs.
    public func onTrainEpochEnd(trainer: Trainer) throws {
        guard let everyEpochs, (trainer.currentEpoch + 1) % everyEpochs == 0, !trainer.shouldStopBeforeEpochEnd else { return }
        try save(trainer)
    }

    /// Notes the step count, to tell whether the batch steps the optimizer.
    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) { stepAtBatchStart = trainer.globalStep }

    /// Saves after a batch that stepped the optimizer, every `everySteps` steps.
    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        guard let everySteps, trainer.globalStep > stepAtBatchStart, trainer.globalStep % everySteps == 0 else { return }
        try save(trainer)
    }

    func save(_ trainer: Trainer) throws {
        // Every rank: state sharded across processes is gathered (a collective).
        trainer.gatheredState = (try trainer.optimizer?.stateForCheckpoint(), try trainer.module?.gatheredState())
        defer { trainer.gatheredState = (nil, nil) }
        guard trainer.isGlobalZero else { return }
        var score: Float?
        if let monitor {
            guard let value = trainer.callbackMetrics[monitor] else {
                throw TrainerError.monitoredMetricMissing(callback: "CheckpointCallback", monitor: monitor, available: Array(trainer.callbackMetrics.keys))
            }
            score = value
        }
        try createFolder(directory, purpose: "checkpoint folder")
        if var updated = files {
            let path = "\(directory)/\(render(trainer)).ckpt"
            try updated.add(path, score: score) { bookkeeping in
                var entries: [String: String] = [:]
                entries.store(bookkeeping, under: bookkeepingKey)
                try trainer.saveCheckpoint(to: path, extra: entries)
            }
            files = updated
        }
        if saveLast {
            lastModelPath = "\(directory)/last.ckpt"
            try trainer.saveCheckpoint(to: lastModelPath!)
        }
    }

    /// `filename` with its placeholders filled in.
    func render(_ trainer: Trainer) -> String {
        CheckpointFiles.name(from: filename, epoch: trainer.currentEpoch, step: trainer.globalStep, values: trainer.callbackMetrics)
    }

    /// Adds the kept files to every checkpoint, so `saveTopK` holds after a resume.
    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {
        if let files { entries.store(files.bookkeeping, under: bookkeepingKey) }
    }

    /// Takes back the kept files.
    /// - Throws: ``CheckpointError`` when the stored list is malformed or of another layout version.
    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) throws {
        guard let bookkeeping = try entries.component(CheckpointFiles.Bookkeeping.self, under: bookkeepingKey) else { return }
        files?.restore(bookkeeping)
    }

    /// Where this callback's bookkeeping lives in a checkpoint (one key per callback).
    private var bookkeepingKey: String { "checkpoint_callback.\(directory)/\(filename)" }

    /// The best file: the one this callback knows, else the best score recorded in the files.
    func bestCheckpointOnDisk() -> String? {
        if let bestModelPath, FileManager.default.fileExists(atPath: bestModelPath) { return bestModelPath }
        return CheckpointFiles.bestFile(in: directory, key: bookkeepingKey, mode: mode)
    }
}

extension Trainer {
    /// Whether training was stopped mid-epoch (no end-of-epoch checkpoint then).
    var shouldStopBeforeEpochEnd: Bool { shouldStop && batchInEpoch < trainBatchesPerEpoch }
}

extension CheckpointCallback: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [.trainBatchStart, .trainBatchEnd] }
}
