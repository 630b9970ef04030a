import Foundation
import Metrics
import TensorCore

/// Which checkpoint files a handler keeps.
public enum CheckpointRetention: Sendable, Equatable {
    /// Every file.
    case all
    /// The newest `n` files.
    case newest(Int)
    /// The `n` files with the best scores, better meaning `mode`'s direction.
    case best(Int, mode: MonitorMode)
}

/// The checkpoint files a handler keeps, and how a new one is added: written first (atomically,
/// with this very bookkeeping inside it), then the files that fall out are deleted. Shared by
/// Events' ``ModelCheckpoint`` and Structured's `CheckpointCallback`, so retention, pruning and
/// resuming behave the same in both frontends.
///
/// ```swift
/// var files = CheckpointFiles(retention: .best(2, mode: .max))
/// try files.add("ckpt/epoch=3.ckpt", score: 0.97) { bookkeeping in
///     var entries = engine.checkpointEntries
///     entries.store(bookkeeping, under: "my_files")
///     try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 3, step: 2814, extra: entries).save(to: "ckpt/epoch=3.ckpt")
/// }
/// ```
public struct CheckpointFiles: Sendable {
    /// One kept file and the score it was saved with.
    public struct File: Codable, Sendable, Equatable {
        /// Where the file is.
        public let path: String
        /// The score it was saved with (nil when files are ranked by age).
        public let score: Float?
    }

    /// What a handler keeps.
    public let retention: CheckpointRetention
    /// The kept files, oldest first.
    public private(set) var kept: [File] = []

    /// No files yet, kept by `retention`.
    public init(retention: CheckpointRetention) {
        if case .newest(let n) = retention { precondition(n >= 1, "CheckpointFiles: keep at least 1 file, got \(n)") }
        if case .best(let n, _) = retention { precondition(n >= 1, "CheckpointFiles: keep at least 1 file, got \(n)") }
        self.retention = retention
    }

    /// The file with the best score (with `.best` retention), else the newest.
    public var best: File? {
        guard case .best(_, let mode) = retention else { return kept.last }
        return kept.max { mode.isImprovement($1.score ?? .nan, over: $0.score ?? .nan) }
    }

    /// The kept files as a checkpoint component, stored under each handler's own key.
    public struct Bookkeeping: CheckpointComponent, Equatable {
        /// The default entry (handlers use their own keys).
        public static let checkpointKey = "checkpoint_files"
        /// The layout's version.
        public static let checkpointVersion = 1
        /// The kept files, oldest first.
        public var files: [File]
    }

    /// The current bookkeeping, to store in a checkpoint written by someone else.
    public var bookkeeping: Bookkeeping { Bookkeeping(files: kept) }

    /// Takes back bookkeeping stored with ``add(_:score:write:)`` (from a checkpoint being
    /// resumed), so retention still holds after the resume.
    public mutating func restore(_ bookkeeping: Bookkeeping) { kept = bookkeeping.files }

    /// Adds `path` with `score`, if retention keeps it: `write` writes the file (it receives the
    /// bookkeeping to store inside it, which already lists the new file), then the files that
    /// fall out are deleted. Returns whether the file was written.
    /// - Throws: what `write` throws; the bookkeeping is unchanged then.
    @discardableResult
    public mutating func add(_ path: String, score: Float?, write: (_ bookkeeping: Bookkeeping) throws -> Void) throws -> Bool {
        var next = kept.filter { $0.path != path }
        next.append(File(path: path, score: score))
        var victims: [String] = []
        switch retention {
        case .all: break
        case .newest(let n):
            while next.count > n { victims.append(next.removeFirst().path) }
        case .best(let n, let mode):
            guard let score else { preconditionFailure("CheckpointFiles: .best retention needs a score for \(path)") }
            let others = next.dropLast()
            if others.count >= n {
                // Only a strictly better score displaces the worst kept file (Lightning's rule).
                let worst = others.indices.min { mode.isImprovement(others[$1].score ?? .nan, over: others[$0].score ?? .nan) }!
                guard mode.isImprovement(score, over: others[worst].score ?? .nan) else { return false }
                victims.append(next.remove(at: worst).path)
            }
        }
        try write(Bookkeeping(files: next))
        kept = next
        for victim in victims where victim != path { try? FileManager.default.removeItem(atPath: victim) }
        return true
    }
}
