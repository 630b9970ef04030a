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
    public let directory: String
    public let filename: String
    public let monitor: String?
    public let mode: MonitorMode
    /// How many to keep: -1 all, 0 none (only `last.ckpt`).
    public let saveTopK: Int
    public let saveLast: Bool
    public let everyEpochs: Int?
    public let everySteps: Int?
    public var isMonitoring: Bool { true }

    /// The best file so far and its score.
    public private(set) var bestModelPath: String?
    public private(set) var bestModelScore: Float?
    /// The kept files and their scores.
    public private(set) var bestKModels: [String: Float] = [:]
    public private(set) var lastModelPath: String?
    private var newestFiles: [String] = []
    private var pendingScore: Float?
    /// `globalStep` when the current batch started: `everySteps` saves only after a batch that
    /// stepped the optimizer, so an accumulation window never rewrites a step's file.
    private var stepAtBatchStart = 0

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
    }

    public func onTrainEpochEnd(trainer: Trainer) throws {
        guard let everyEpochs, (trainer.currentEpoch + 1) % everyEpochs == 0, !trainer.shouldStopBeforeEpochEnd else { return }
        try save(trainer)
    }

    public func onTrainBatchStart(trainer: Trainer, batchIndex: Int) { stepAtBatchStart = trainer.globalStep }

    public func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        guard let everySteps, trainer.globalStep > stepAtBatchStart, trainer.globalStep % everySteps == 0 else { return }
        try save(trainer)
    }

    private func better(_ a: Float, than b: Float) -> Bool { mode.isImprovement(a, over: b) }

    func save(_ trainer: Trainer) throws {
        guard trainer.isGlobalZero else { return }
        var score: Float?
        if let monitor {
            guard let value = trainer.callbackMetrics[monitor] else {
                throw TrainerError.monitoredMetricMissing(callback: "CheckpointCallback", monitor: monitor, available: Array(trainer.callbackMetrics.keys))
            }
            score = value
        }
        try createFolder(directory, purpose: "checkpoint folder")
        if saveTopK != 0 {
            let path = "\(directory)/\(render(trainer)).ckpt"
            if let score {
                let worst = bestKModels.min { better($1.value, than: $0.value) }
                let full = saveTopK > 0 && bestKModels.count >= saveTopK
                if !full || better(score, than: worst!.value) {
                    // The bookkeeping saved in the file already includes the file itself, so a
                    // resume from it knows every kept file.
                    let previous = (bestKModels, bestModelPath, bestModelScore)
                    bestKModels[path] = score
                    var victim: String?
                    if full, let worst, worst.key != path {
                        bestKModels.removeValue(forKey: worst.key)
                        victim = worst.key
                    }
                    let best = bestKModels.max { better($1.value, than: $0.value) }!
                    (bestModelPath, bestModelScore) = (best.key, best.value)
                    pendingScore = score
                    do {
                        try trainer.saveCheckpoint(to: path)
                    } catch {
                        (bestKModels, bestModelPath, bestModelScore) = previous
                        throw error
                    }
                    if let victim { try? FileManager.default.removeItem(atPath: victim) }
                }
            } else {
                let previous = newestFiles
                newestFiles.removeAll { $0 == path }
                newestFiles.append(path)
                var victims: [String] = []
                while saveTopK > 0 && newestFiles.count > saveTopK { victims.append(newestFiles.removeFirst()) }
                let previousBest = bestModelPath
                bestModelPath = path
                do {
                    try trainer.saveCheckpoint(to: path)
                } catch {
                    (newestFiles, bestModelPath) = (previous, previousBest)
                    throw error
                }
                for victim in victims { try? FileManager.default.removeItem(atPath: victim) }
            }
        }
        if saveLast {
            pendingScore = score
            lastModelPath = "\(directory)/last.ckpt"
            try trainer.saveCheckpoint(to: lastModelPath!)
        }
        pendingScore = nil
    }

    /// `filename` with its placeholders filled in.
    func render(_ trainer: Trainer) -> String {
        var result = "", index = filename.startIndex
        while let open = filename[index...].firstIndex(of: "{"), let close = filename[open...].firstIndex(of: "}") {
            result += filename[index..<open]
            let field = filename[filename.index(after: open)..<close]
            let parts = field.split(separator: ":", maxSplits: 1)
            let name = String(parts[0])
            switch name {
            case "epoch": result += "epoch=\(trainer.currentEpoch)"
            case "step": result += "step=\(trainer.globalStep)"
            default:
                let value = trainer.callbackMetrics[name] ?? .nan
                result += "\(name)=" + (parts.count > 1 ? String(format: "%" + parts[1], value) : "\(value)")
            }
            index = filename.index(after: close)
        }
        return result + filename[index...]
    }

    public func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) {
        if let monitor { entries["checkpoint.monitor"] = monitor }
        if let pendingScore { entries["checkpoint.score"] = String(pendingScore) }
        if let bestModelPath { entries["checkpoint.best_model_path"] = bestModelPath }
        if let bestModelScore { entries["checkpoint.best_model_score"] = String(bestModelScore) }
        let state = Bookkeeping(bestKModels: bestKModels, newestFiles: newestFiles)
        entries["checkpoint.bookkeeping"] = String(decoding: (try? JSONEncoder().encode(state)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public func onLoadCheckpoint(trainer: Trainer, entries: [String: String]) {
        bestModelPath = entries["checkpoint.best_model_path"]
        bestModelScore = entries["checkpoint.best_model_score"].flatMap(Float.init)
        let state = entries["checkpoint.bookkeeping"].flatMap { try? JSONDecoder().decode(Bookkeeping.self, from: Data($0.utf8)) }
        bestKModels = state?.bestKModels ?? [:]
        newestFiles = state?.newestFiles ?? []
    }

    /// The kept files, carried in every checkpoint so `saveTopK` holds after a resume.
    private struct Bookkeeping: Codable {
        var bestKModels: [String: Float]
        var newestFiles: [String]
    }

    func lastCheckpointCandidates() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasPrefix("last") && $0.hasSuffix(".ckpt") }.map { "\(directory)/\($0)" }
    }

    /// The best file: the one this callback knows, else the best score recorded in the files.
    func bestCheckpointOnDisk() -> String? {
        if let bestModelPath, FileManager.default.fileExists(atPath: bestModelPath) { return bestModelPath }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".ckpt") && !$0.hasPrefix("last") }
        let scored = files.compactMap { name -> (String, Float)? in
            guard let checkpoint = try? TrainingCheckpoint(contentsOf: "\(directory)/\(name)"),
                  let score = checkpoint.extra["checkpoint.score"].flatMap(Float.init) else { return nil }
            return ("\(directory)/\(name)", score)
        }
        return scored.max { better($1.1, than: $0.1) }?.0
    }
}

extension Trainer {
    /// Whether training was stopped mid-epoch (no end-of-epoch checkpoint then).
    var shouldStopBeforeEpochEnd: Bool { shouldStop && batchInEpoch < trainBatchesPerEpoch }
}
