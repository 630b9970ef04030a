import Distributed
import Foundation
import TensorCore

/// Where a run resumes from: a file, the newest `last*.ckpt`, or the best-scored checkpoint.
///
/// Both frontends resolve it the same way: the Trainer's `fit(resumeFrom:)` against its
/// checkpoint callbacks, an Events program against its ``ModelCheckpoint`` folders.
///
/// ```swift
/// let path = try ResumePoint.last.file(lastIn: ["checkpoints"], best: checkpoints.bestCheckpointOnDisk())
/// try trainer.resume(from: path, model: model, optimizer: optimizer)
/// ```
public enum ResumePoint: Sendable, Equatable {
    /// This checkpoint file.
    case path(String)
    /// The most recently written `last*.ckpt` in the run's checkpoint folders.
    case last
    /// The best-scored checkpoint of the run's first checkpoint handler.
    case best

    /// The file this point names: `.last` looks in `directories`, `.best` takes `best` (a
    /// checkpoint handler's `bestCheckpointOnDisk()`).
    /// - Throws: ``EngineError/noCheckpoint(_:)`` when there is no such file, saying where it looked.
    public func file(lastIn directories: [String], best: @autoclosure () -> String?) throws -> String {
        switch self {
        case .path(let path): return path
        case .last:
            guard let newest = CheckpointFiles.newestLastFile(in: directories) else {
                let place = directories.isEmpty ? "(no checkpoint folder is configured)" : "in \(directories.joined(separator: ", "))"
                throw EngineError.noCheckpoint("resuming from .last found no last*.ckpt \(place); save one with saveLast: true")
            }
            return newest
        case .best:
            guard let path = best() else { throw EngineError.noCheckpoint("resuming from .best found no scored checkpoint") }
            return path
        }
    }
}

extension Engine {
    /// Restores a run from the checkpoint at `path`: the model, optimizer and schedule, then this
    /// engine's position (with its optimization step's window), so that the next `run` continues
    /// exactly where the saved run stopped. Returns the checkpoint, whose `extra` entries hold
    /// each handler's bookkeeping to restore next. State saved whole from sharded layers
    /// (ZeRO-3) is cut to this rank's shards, whatever number of ranks saved it.
    /// - Throws: ``CheckpointError`` for a file that does not fit the model or optimizer;
    ///   ``EngineError/invalidCheckpoint(_:)`` for a missing or impossible position.
    @discardableResult
    public func resume(from path: String, model: any Module, optimizer: any Optimizer,
                       scheduler: LearningRateScheduler? = nil) throws -> TrainingCheckpoint {
        var checkpoint = try TrainingCheckpoint(contentsOf: path)
        checkpoint.modelState = try model.shardedState(from: checkpoint.modelState)
        checkpoint.optimizerState = optimizer.stateFromCheckpoint(checkpoint.optimizerState)
        try checkpoint.restore(model: model, optimizer: optimizer, scheduler: scheduler)
        try restore(from: checkpoint.extra)
        return checkpoint
    }
}
