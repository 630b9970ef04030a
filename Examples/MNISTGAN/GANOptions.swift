import Foundation
import MNISTModels

/// The `mnist-gan` flags.
public struct GANOptions {
    /// `core`, `events` or `structured`.
    public var frontend = "core"
    /// Passes over the 60,000 training images.
    public var epochs = 5
    /// Images per step.
    public var batchSize = 64
    /// Seeds initialization, shuffling and noise.
    public var seed: UInt64 = 0
    /// Where MNIST is (default: the usual search).
    public var dataDirectory: String?
    /// Batches per epoch, when fewer than all (for quick runs and tests).
    public var batchesPerEpoch: Int?
    /// Where the per-epoch grids go.
    public var outputDirectory = "reports/gan"
    /// One JSON record is appended here.
    public var jsonPath: String?
    /// The loss curves are written here.
    public var curvesPath: String?
    /// Epochs of the judging classifier for the digit check; 0 skips the check.
    public var checkEpochs = 0

    /// The flags in words.
    public static let usage = """
          --frontend core|events|structured   (core)
          --epochs N          (5)
          --batch-size B      (64)
          --seed S            (0)
          --data DIR          MNIST folder
          --batches N         batches per epoch (all)
          --out DIR           per-epoch 8x8 grids <frontend>-epoch<N>.png (reports/gan)
          --check-epochs N    train the reference CNN N epochs and judge 1,000 samples with it (0: no check)
          --json FILE         append the run's record
          --curves FILE       write the loss curves
        """

    /// Options from command-line `arguments` (without the program name).
    /// - Throws: ``UsageError`` for an unknown flag or a bad value.
    public init(parsing arguments: [String]) throws {
        var reader = ArgumentReader(arguments)
        while let flag = reader.next() {
            switch flag {
            case "--frontend":
                frontend = try reader.value(flag)
                guard ["core", "events", "structured"].contains(frontend) else { throw UsageError("--frontend is core, events or structured, got \(frontend)") }
            case "--epochs": epochs = try reader.number(flag, in: 1...1000)
            case "--batch-size": batchSize = try reader.number(flag, in: 2...60000)
            case "--seed": seed = try reader.number(flag, in: 0...UInt64.max)
            case "--data": dataDirectory = try reader.value(flag)
            case "--batches": batchesPerEpoch = try reader.number(flag, in: 1...60000)
            case "--out": outputDirectory = try reader.value(flag)
            case "--check-epochs": checkEpochs = try reader.number(flag, in: 0...20)
            case "--json": jsonPath = try reader.value(flag)
            case "--curves": curvesPath = try reader.value(flag)
            case "--help", "-h": throw HelpRequested()
            default: throw UsageError("unknown flag \(flag)")
            }
        }
    }
}
