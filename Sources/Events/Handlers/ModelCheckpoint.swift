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
    public let directory: String
    public let prefix: String
    public let keep: Int
    public let scoreName: String?
    /// Which way the score improves (default: larger is better).
    public let mode: MonitorMode
    private let score: (() throws -> Float)?
    /// Saved files, oldest first, with their scores.
    public private(set) var saved: [(path: String, score: Float?)] = []

    /// - Parameters:
    ///   - keep: how many files to keep: the newest ones, or with a score the best ones.
    ///   - score: the value to rank by (read when saving); nil keeps the newest.
    public init(directory: String, prefix: String = "checkpoint", keep: Int = 1, scoreName: String? = nil,
                mode: MonitorMode = .max, score: (() throws -> Float)? = nil) {
        precondition(keep >= 1, "ModelCheckpoint: keep must be at least 1, got \(keep)")
        self.directory = directory
        self.prefix = prefix
        self.keep = keep
        self.scoreName = scoreName
        self.mode = mode
        self.score = score
    }

    /// The most recently written file.
    public var lastCheckpoint: String? { saved.last?.path }

    /// The best file by score (the newest when there is no score).
    public var bestCheckpoint: String? {
        guard score != nil else { return lastCheckpoint }
        return saved.max { better($1.score!, than: $0.score!) }?.path
    }

    private func better(_ a: Float, than b: Float) -> Bool { mode.isImprovement(a, over: b) }

    /// Saves whenever `trigger` fires on `engine` (the trainer, or an evaluator whose metric is
    /// the score); the position saved is `trainer`'s (by default `engine` itself).
    @discardableResult
    public func attach<B, O, TB, TO>(to engine: Engine<B, O>, at trigger: Trigger, model: any Module, optimizer: any Optimizer,
                                      scheduler: LearningRateScheduler? = nil, trainer: Engine<TB, TO>) -> HandlerRegistration {
        engine.on(trigger) { engine in
            guard engine.communicator.isMain else { return }
            try self.save(model: model, optimizer: optimizer, scheduler: scheduler, epoch: trainer.state.epoch,
                          step: trainer.state.iteration, extra: trainer.checkpointEntries,
                          includesGradients: trainer.needsGradientsInCheckpoint)
        }
    }

    /// ``attach(to:at:model:optimizer:scheduler:trainer:)`` where the engine is the trainer.
    @discardableResult
    public func attach<B, O>(to trainer: Engine<B, O>, at trigger: Trigger, model: any Module, optimizer: any Optimizer,
                             scheduler: LearningRateScheduler? = nil) -> HandlerRegistration {
        attach(to: trainer, at: trigger, model: model, optimizer: optimizer, scheduler: scheduler, trainer: trainer)
    }

    /// Writes one checkpoint now and prunes the files beyond `keep`.
    ///
    /// The checkpoint carries this handler's list of files (``restore(from:)`` reads it back), so
    /// `keep` still holds after a resume. `includesGradients` saves an open accumulation window's
    /// gradients (``Engine/needsGradientsInCheckpoint``).
    public func save(model: any Module, optimizer: any Optimizer, scheduler: LearningRateScheduler?,
                     epoch: Int, step: Int, extra: [String: String], includesGradients: Bool = false) throws {
        let value = try score?()
        if let value, saved.count >= keep, let worst = saved.min(by: { better($1.score!, than: $0.score!) }),
           !better(value, than: worst.score!) {
            return   // not among the best `keep`
        }
        try createFolder(directory, purpose: "checkpoint folder")
        var name = "\(prefix)_epoch=\(epoch)_step=\(step)"
        if let value { name += "_\(scoreName ?? "score")=\(String(format: "%.4f", value))" }
        let path = "\(directory)/\(name).ckpt"
        var kept = saved.filter { $0.path != path }
        kept.append((path, value))
        var victims: [String] = []
        while kept.count > keep {
            let victim = score == nil ? 0 : kept.indices.min { better(kept[$1].score!, than: kept[$0].score!) }!
            victims.append(kept.remove(at: victim).path)
        }
        var entries = extra
        entries[bookkeepingKey] = Self.encode(kept)
        try TrainingCheckpoint(model: model, optimizer: optimizer, scheduler: scheduler, epoch: epoch, step: step, extra: entries,
                               includesGradients: includesGradients).save(to: path)
        saved = kept
        for victim in victims where victim != path { try? FileManager.default.removeItem(atPath: victim) }
    }

    /// Takes back the list of files from a checkpoint this handler (same prefix) wrote, so a
    /// resumed run keeps enforcing `keep`. Entries of another handler are ignored.
    /// - Throws: ``EngineError/invalidCheckpoint(_:)`` when the list is malformed.
    public func restore(from entries: [String: String]) throws {
        guard let text = entries[bookkeepingKey] else { return }
        guard let decoded = try? JSONDecoder().decode([SavedFile].self, from: Data(text.utf8)) else {
            throw EngineError.invalidCheckpoint("\(bookkeepingKey) is not a list of files")
        }
        saved = decoded.map { ($0.path, $0.score) }
    }

    private var bookkeepingKey: String { "model_checkpoint.\(prefix).saved" }

    private struct SavedFile: Codable {
        let path: String
        let score: Float?
    }

    private static func encode(_ files: [(path: String, score: Float?)]) -> String {
        let data = (try? JSONEncoder().encode(files.map { SavedFile(path: $0.path, score: $0.score) })) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
