import Foundation
import TensorCore
import Datasets

/// The result of one training run, written as one JSON object per line.
public struct RunRecord: Encodable {
    /// `core`, `events` or `structured`.
    public var frontend: String
    /// `seed`, `mlp` or `cnn`.
    public var model: String
    /// Epochs trained.
    public var epochs: Int
    /// The global batch size.
    public var batch: Int
    /// Training only: excludes data loading and evaluation.
    public var trainSeconds: Double
    /// Training examples per second of training time.
    public var samplesPerSecond: Double
    /// Accuracy on the 10,000 test images after training.
    public var testAccuracy: Double
    /// Peak resident memory of the process.
    public var peakResidentMegabytes: Double
    /// The last training batch's loss.
    public var finalLoss: Double
    /// CRC-32 of the final parameters' bytes, in parameter order.
    public var weightsCRC32: UInt32
    /// Processes that trained together.
    public var worldSize: Int

    enum CodingKeys: String, CodingKey {
        case frontend, model, epochs, batch
        case trainSeconds = "train_seconds", samplesPerSecond = "samples_per_s", testAccuracy = "test_acc"
        case peakResidentMegabytes = "peak_rss_mb", finalLoss = "final_loss", weightsCRC32 = "weights_crc32", worldSize = "world_size"
    }

    /// A record of these values.
    public init(frontend: String, model: String, epochs: Int, batch: Int, trainSeconds: Double, samplesPerSecond: Double,
                testAccuracy: Double, peakResidentMegabytes: Double, finalLoss: Double, weightsCRC32: UInt32, worldSize: Int = 1) {
        self.frontend = frontend
        self.model = model
        self.epochs = epochs
        self.batch = batch
        self.trainSeconds = trainSeconds
        self.samplesPerSecond = samplesPerSecond
        // Rounded so a Float-valued accuracy prints as its decimal value (0.9677, not 0.96770000457).
        self.testAccuracy = (testAccuracy * 1e6).rounded() / 1e6
        self.peakResidentMegabytes = peakResidentMegabytes
        self.finalLoss = finalLoss
        self.weightsCRC32 = weightsCRC32
        self.worldSize = worldSize
    }

    /// The record as one line of JSON.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Appends the record to `path` (one object per line).
    public func append(to path: String) throws { try appendLine(jsonLine, to: path) }
}

/// Appends `line` and a newline to the file at `path`, creating it when missing (JSON-lines
/// records of every program).
public func appendLine(_ line: String, to path: String) throws {
    let data = Data((line + "\n").utf8)
    guard let handle = FileHandle(forWritingAtPath: path) else { return try data.write(to: URL(fileURLWithPath: path)) }
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: data)
}

/// The process's peak resident memory in megabytes (Linux `VmHWM`).
public func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kilobytes / 1024
}

/// The fraction of `dataset` whose most likely class is the label, evaluated in batches
/// without recording gradients, with the network in evaluation mode.
public func accuracy(of network: any Module<Tensor>, on dataset: MNISTDataset, batchSize: Int = 1000) -> Double {
    network.eval()
    defer { network.train() }
    let loader = DataLoader(dataset, batchSize: batchSize)
    var correct = 0.0
    withoutGradient {
        for batch in loader.batches(epoch: 0) {
            let predictions = network(batch.inputs).argmax(alongAxis: 1)
            correct += Double((predictions .== batch.labels).sum().scalar)
        }
    }
    return correct / Double(dataset.count)
}
