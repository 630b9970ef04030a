import Foundation

/// One `char-lm` run, written as one JSON object per line.
public struct CharRecord: Codable, Sendable {
    /// `core`, `events` or `structured`.
    public var frontend: String
    /// `gpt`.
    public var model: String
    /// Optimizer steps taken in this process (a resumed run counts its own only).
    public var steps: Int
    /// Training time, without data loading of the corpus, validation or sampling.
    public var trainSeconds: Double
    /// `trainSeconds` per step, in milliseconds.
    public var millisecondsPerStep: Double
    /// Mean cross-entropy over the seeded validation batches.
    public var validationLoss: Double
    /// Trainable scalars.
    public var parameters: Int
    /// Peak resident memory of the process.
    public var peakResidentMegabytes: Double
    /// CRC-32 of the final weights: equal values mean bit-identical weights.
    public var weightsCRC32: UInt32

    enum CodingKeys: String, CodingKey {
        case frontend, model, steps
        case trainSeconds = "train_seconds", millisecondsPerStep = "ms_per_step", validationLoss = "val_loss"
        case parameters = "params", peakResidentMegabytes = "peak_rss_mb", weightsCRC32 = "weights_crc32"
    }

    /// The record as one JSON line.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
