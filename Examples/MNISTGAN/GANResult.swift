import Foundation
import MNISTModels
import TensorCore

/// What one `mnist-gan` run reports: one JSON object per line, plus the loss curves.
public struct GANResult: Encodable {
    /// `core`, `events` or `structured`.
    public var frontend: String
    /// Epochs trained.
    public var epochs: Int
    /// Steps per epoch.
    public var batchesPerEpoch: Int
    /// Training only: excludes the grids and the digit check.
    public var trainSeconds: Double
    /// Milliseconds per step (both networks' updates).
    public var millisecondsPerStep: Double
    /// The last step's discriminator and generator losses.
    public var finalDiscriminatorLoss: Double, finalGeneratorLoss: Double
    /// CRC-32 of both networks' parameters: equal means bit-identical.
    public var weightsCRC32: UInt32
    /// Peak resident memory of the process.
    public var peakResidentMegabytes: Double
    /// The grid written after each epoch.
    public var grids: [String]
    /// The digit check, when asked for.
    public var check: DigitCheck?
    /// Discriminator and generator losses at sampled steps: `[step, d, g]`.
    public var curve: [[Double]]

    enum CodingKeys: String, CodingKey {
        case frontend, epochs, grids, check, curve
        case batchesPerEpoch = "batches_per_epoch", trainSeconds = "train_seconds", millisecondsPerStep = "ms_per_step"
        case finalDiscriminatorLoss = "final_d_loss", finalGeneratorLoss = "final_g_loss", weightsCRC32 = "weights_crc32"
        case peakResidentMegabytes = "peak_rss_mb"
    }
}

/// Records the losses every `every` steps and the training time, for every frontend alike.
public final class GANProgress {
    let every: Int
    /// `[step, d, g]` points.
    public private(set) var curve: [[Double]] = []
    /// Seconds spent training.
    public var seconds = 0.0
    private(set) var last: (Float, Float) = (.nan, .nan)
    private var step = 0

    /// Records one point every `every` steps.
    public init(every: Int) { self.every = max(1, every) }

    /// Notes one step's losses.
    public func record(discriminator: Float, generator: Float) {
        step += 1
        last = (discriminator, generator)
        if step % every == 0 { curve.append([Double(step), Double(discriminator), Double(generator)]) }
    }

    /// Runs `body` and adds its duration to ``seconds``.
    public func timed(_ body: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The run's record; the final generator is saved beside the grids (for the digit check).
    public func result(_ options: GANOptions, batches: Int, pair: GANPair, grids: [String]) throws -> GANResult {
        try pair.generator.saveState(to: generatorPath(options))
        return GANResult(frontend: options.frontend, epochs: options.epochs, batchesPerEpoch: batches, trainSeconds: seconds,
                  millisecondsPerStep: seconds * 1000 / Double(max(step, 1)), finalDiscriminatorLoss: Double(last.0),
                  finalGeneratorLoss: Double(last.1), weightsCRC32: weightsChecksum(pair), peakResidentMegabytes: peakResidentMegabytes(),
                  grids: grids, check: nil, curve: curve)
    }
}
