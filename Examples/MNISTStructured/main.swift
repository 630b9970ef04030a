// The Lightning-style frontend on MNIST: a training module with validation accuracy and loss
// logged, a progress bar, best-model checkpointing and early stopping.
// Run with `swift run -c release mnist-structured --model mlp`.
import Distributed
import Foundation
import Metrics
import MNISTModels
import Structured
import TensorCore

/// Any of the reference networks as a training module.
final class MNISTClassifier: TrainingModule {
    let network: any Module
    let model: ReferenceModel
    let accuracy = Accuracy(task: .multiclass(classes: 10))
    var isTraining = true
    var children: [(String, any Module)] { [("network", network)] }

    init(_ model: ReferenceModel) {
        self.model = model
        network = model.makeNetwork()
    }

    func callAsFunction(_ input: Tensor) -> Tensor { network(input) }

    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        try log("train_loss", loss.scalar, progressBar: true)
        return loss
    }

    func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
        let logits = self(batch.inputs)
        try accuracy.update(predictions: logits, targets: batch.labels)
        try log("val_loss", crossEntropy(logits: logits, labels: batch.labels).scalar, progressBar: true)
        try log("val_accuracy", accuracy, progressBar: true)
    }

    func configureOptimizers() -> OptimizerConfiguration? {
        OptimizerConfiguration(model.makeOptimizer(for: network))
    }
}

/// Training time without validation and checkpoint writing.
final class TrainingClock: Callback {
    private var start: UInt64 = 0, pausedAt: UInt64 = 0
    private(set) var seconds = 0.0
    func onTrainEpochStart(trainer: Trainer) { start = DispatchTime.now().uptimeNanoseconds }
    func onValidationStart(trainer: Trainer) { pausedAt = DispatchTime.now().uptimeNanoseconds }
    func onValidationEnd(trainer: Trainer) throws { start += DispatchTime.now().uptimeNanoseconds - pausedAt }
    func onTrainEpochEnd(trainer: Trainer) throws {
        guard !trainer.isSanityChecking else { return }
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

func run(_ options: RunOptions) throws {
    // Start under mpirun first for --devices > 1, before loading anything.
    let world = try DataParallelLauncher.communicator(devices: options.devices).worldSize
    guard options.batchSize % world == 0 else { throw UsageError("--batch-size \(options.batchSize) is not divisible by \(world) processes") }
    let mnist = try MNIST.load(from: options.dataDirectory)
    seedEverything(options.seed)
    let classifier = MNISTClassifier(options.model)
    // Per-process batches: the trainer shards the loaders, so the global batch is --batch-size.
    let train = DataLoader(mnist.train, batchSize: options.batchSize / world, shuffle: true, seed: options.seed)
    let test = DataLoader(mnist.test, batchSize: 1000)

    let clock = TrainingClock()
    let checkpoints = CheckpointCallback(directory: "checkpoints/structured-\(options.model.rawValue)",
                                         filename: "best-{epoch}-{val_accuracy:.4f}", monitor: "val_accuracy", mode: .max)
    let trainer = Trainer(maxEpochs: options.epochs, callbacks: [
        clock, checkpoints, EarlyStoppingCallback(monitor: "val_loss", patience: 3), ProgressBarCallback(),
    ])
    trainer.sanityValidationSteps = 0
    trainer.loggers = []
    if world > 1 {
        trainer.strategy = .dataParallel
        trainer.devices = world
    }
    if let limit = options.limit { trainer.limitTrainBatches = .count((limit + options.batchSize - 1) / options.batchSize) }
    if trainer.isGlobalZero { print("mnist-structured: \(options.model.rawValue), \(classifier.parameterCount) parameters on \(world) process(es)") }
    let metrics = try trainer.fit(classifier, train: train, validation: test)
    guard trainer.isGlobalZero else { return }

    let epochs = trainer.currentEpoch + 1
    let samples = Double(min(trainer.trainBatchesPerEpoch * options.batchSize, mnist.train.count) * epochs)
    let record = RunRecord(
        frontend: "structured", model: options.model.rawValue, epochs: epochs, batch: options.batchSize,
        trainSeconds: clock.seconds, samplesPerSecond: samples / clock.seconds,
        testAccuracy: Double(metrics["val_accuracy"] ?? .nan), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(metrics["train_loss"] ?? .nan), weightsCRC32: weightsChecksum(classifier.network), worldSize: world)
    print(String(format: "trained in %.2f s (%.0f samples/s), test accuracy %.4f, peak RSS %.0f MB, best checkpoint %@",
                 record.trainSeconds, record.samplesPerSecond, record.testAccuracy, record.peakResidentMegabytes,
                 checkpoints.bestModelPath ?? "none"))
    print(record.jsonLine)
    if let path = options.jsonPath { try record.append(to: path) }
}

do {
    try run(RunOptions(parsing: Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("mnist-structured: \(error)\n".utf8))
    exit(1)
}
