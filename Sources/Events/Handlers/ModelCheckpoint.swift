import Foundation
import Metrics
import TensorCore

/// Saves training checkpoints (model, optimizer, scheduler, the trainer's position and the random
/// generator) and keeps the last `keep`, or the best `keep` by a score.
///
/// File names carry the epoch, the step and the score: `best_epoch=3_step=2814_accuracy=0.9712.ckpt`.
/// Writes are atomic, so an error or a crash while saving never leaves a corrupt file, and older
/// files are deleted only after the new one is in place. Only rank 0 writes.
///
/// ```swift
/// let best = ModelCheckpoint(directory: "checkpoints", prefix: "best", keep: 2, scoreName: "accuracy") { evaluator.state.metrics["accuracy"]! }
/// best.attach(to: evaluator, at: .completed, model: model, optimizer: optimizer, trainer: trainer)
/// ```
public final class ModelCheckpoint {
    /// Where the files go.
    public let directory: String
    /// The start of each file name.
    public let prefix: String
    /// How many files to keep: the newest, or with a score the best.
    public let keep: Int
    /// The score's name in file names (`score` when nil).
    public let scoreName: String?
    /// Which way the score improves (default: larger is better).
    public let mode: MonitorMode
    /// A file name template (``CheckpointFiles/name(from:epoch:step:values:)``: `{epoch}`,
    /// `{step}`, the score by its name); nil names files `prefix_epoch=…_step=…_score=…`.
    public let filename: String?
    private let score: (() throws -> Float)?
    private var files: CheckpointFiles

    /// - Parameters:
    ///   - keep: how many files to keep: the newest ones, or with a score the best ones.
    ///   - score: the value to rank by (read when saving); nil keeps the newest.
    ///   - filename: a template such as `"{epoch}-{accuracy:.4f}"` (Lightning's names); nil uses `prefix`.
    public init(directory: String, prefix: String = "checkpoint", keep: Int = 1, scoreName: String? = nil,
                mode: MonitorMode = .max, filename: String? = nil, score: (() throws -> Float)? = nil) {
        precondition(keep >= 1, "ModelCheckpoint: keep must be at least 1, got \(keep)")
        self.directory = directory
        self.prefix = prefix
        self.keep = keep
        self.scoreName = scoreName
        self.mode = mode
        self.filename = filename
        self.score = score
        files = CheckpointFiles(retention: score == nil ? .newest(keep) : .best(keep, mode: mode))
    }

    /// Saved files still on disk, oldest first, with their scores.
    public var saved: [(path: String, score: Float?)] { files.kept.map { ($0.path, $0.score) } }

    /// The most recently written file.
    public var lastCheckpoint: String? { files.kept.last?.path }

    /// The best file by score (the newest when there is no score).
    public var bestCheckpoint: String? { files.best?.path }

    /// Saves whenever `trigger` fires on `engine` (the trainer, or an evaluator whose metric is
    /// the score); the position saved is `trainer`'s (by default `engine` itself).
    @discardableResult
    public func attach<B, O, TB, TO>(to engine: Engine<B, O>, at trigger: Trigger, model: any Module, optimizer: any Optimizer,
                                      scheduler: LearningRateScheduler? = nil, trainer: Engine<TB, TO>) -> HandlerRegistration {
        engine.on(trigger, named: "ModelCheckpoint") { engine in
            // Every rank: state sharded across processes is gathered (a collective).
            let state = try optimizer.stateForCheckpoint(), modelState = try model.gatheredState()
            guard engine.communicator.isMain else { return }
            try self.save(model: model, optimizer: optimizer, scheduler: scheduler, epoch: trainer.state.epoch,
                          step: trainer.state.iteration, extra: trainer.checkpointEntries,
                          includesGradients: trainer.needsGradientsInCheckpoint, optimizerState: state, modelState: modelState)
        }
    }

    /// The best file on disk by the scores recorded inside the files this handler's prefix
    /// wrote: after a restart, when ``bestCheckpoint`` knows nothing yet, this finds what to
    /// resume from or deploy.
    public func bestCheckpointOnDisk() -> String? {
        CheckpointFiles.bestFile(in: directory, key: bookkeepingKey, mode: mode)
    }

    /// ``attach(to:at:model:optimizer:scheduler:trainer:)`` where the engine is the trainer.
    @discardableResult
    public func attach<B, O>(to trainer: Engine<B, O>, at trigger: Trigger, model: any Module, optimizer: any Optimizer,
                             scheduler: LearningRateScheduler? = nil) -> HandlerRegistration {
        attach(to: trainer, at: trigger, model: model, optimizer: optimizer, scheduler: scheduler, trainer: trainer)
    }

    /// Writes one checkpoint now (when its score is among the best `keep`) and prunes the files
    /// beyond `keep`.
    ///
    /// The checkpoint carries this handler's list of files (``restore(from:)`` reads it back), so
    /// `keep` still holds after a resume. `includesGradients` saves an open accumulation window's
    /// gradients (``Engine/needsGradientsInCheckpoint``). `optimizerState` and `modelState` are
    /// the gathered forms (``Optimizer/stateForCheckpoint()``, ``Module/gatheredState()``) when
    /// the optimizer or the model is sharded across processes.
    public func save(model: any Module, optimizer: any Optimizer, scheduler: LearningRateScheduler?,
                     epoch: Int, step: Int, extra: [String: String], includesGradients: Bool = false,
                     optimizerState: OptimizerState? = nil, modelState: [(name: String, tensor: Tensor)]? = nil) throws {
        let value = try score?()
        var name = "\(prefix)_epoch=\(epoch)_step=\(step)"
        if let value { name += "_\(scoreName ?? "score")=\(String(format: "%.4f", value))" }
        if let filename { name = CheckpointFiles.name(from: filename, epoch: epoch, step: step, values: value.map { [scoreName ?? "score": $0] } ?? [:]) }
        let path = "\(directory)/\(name).ckpt"
        try createFolder(directory, purpose: "checkpoint folder")
        try files.add(path, score: value) { bookkeeping in
            var entries = extra
            entries.store(bookkeeping, under: bookkeepingKey)
            try TrainingCheckpoint(model: model, optimizer: optimizer, scheduler: scheduler, epoch: epoch, step: step, extra: entries,
                                   includesGradients: includesGradients, optimizerState: optimizerState, modelState: modelState).save(to: path)
        }
    }

    /// Takes back the list of files from a checkpoint this handler (same prefix) wrote, so a
    /// resumed run keeps enforcing `keep`. Entries of another handler are ignored.
    /// - Throws: ``CheckpointError`` when the list is malformed or of another layout version.
    public func restore(from entries: [String: String]) throws {
        if let bookkeeping = try entries.component(CheckpointFiles.Bookkeeping.self, under: bookkeepingKey) {
            files.restore(bookkeeping)
        }
    }

    private var bookkeepingKey: String { "model_checkpoint.\(prefix)" }
}
