// The raw training loop on the core alone, no frontend: the baseline the frontends are measured
// against. Run with `swift run -c release mnist-core --model mlp`.
import Foundation
import MNISTModels
import TensorCore

func run(_ options: RunOptions) throws {
    let mnist = try MNIST.load(from: options.dataDirectory)
    seedEverything(options.seed)
    let network = options.model.makeNetwork()
    let optimizer = options.model.makeOptimizer(for: network)
    let train = DataLoader(mnist.train, batchSize: options.batchSize, shuffle: true, seed: options.seed)
    let batchesPerEpoch = options.limit.map { ($0 + options.batchSize - 1) / options.batchSize } ?? train.batchesPerEpoch
    print("mnist-core: \(options.model.rawValue), \(network.parameterCount) parameters, \(options.epochs) epoch(s) of \(batchesPerEpoch) batches")

    var lastLoss: Float = .nan
    let start = DispatchTime.now().uptimeNanoseconds
    for epoch in 0..<options.epochs {
        for (index, batch) in train.batches(epoch: epoch).prefix(batchesPerEpoch).enumerated() {
            let loss = crossEntropy(logits: network(batch.inputs), labels: batch.labels)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
            lastLoss = loss.scalar
            if index % 200 == 0 || index == batchesPerEpoch - 1 {
                print("epoch \(epoch) batch \(index)/\(batchesPerEpoch) loss \(lastLoss)")
            }
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let samples = Double(min(options.limit ?? mnist.train.count, mnist.train.count) * options.epochs)
    let record = RunRecord(
        frontend: "core", model: options.model.rawValue, epochs: options.epochs, batch: options.batchSize,
        trainSeconds: seconds, samplesPerSecond: samples / seconds,
        testAccuracy: accuracy(of: network, on: mnist.test), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(lastLoss), weightsCRC32: weightsChecksum(network))
    print(String(format: "trained in %.2f s (%.0f samples/s), test accuracy %.4f, peak RSS %.0f MB",
                 record.trainSeconds, record.samplesPerSecond, record.testAccuracy, record.peakResidentMegabytes))
    print(record.jsonLine)
    if let path = options.jsonPath { try record.append(to: path) }
}

do {
    try run(RunOptions(parsing: Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("mnist-core: \(error)\n".utf8))
    exit(1)
}
