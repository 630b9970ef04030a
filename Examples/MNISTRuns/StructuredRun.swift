import Events
import Foundation
import Metrics
import MNISTModels
import Structured
import TensorCore
import Datasets
import OpenMPI

/// Any reference network as a training module.
// MARK: model
final class MNISTClassifier: TrainingModule {
    let network: any Module<Tensor>
    let model: ReferenceModel
    let accuracy = Accuracy(task: .multiclass(classes: 10))
    var isTraining = true
    var children: [(String, any Module)] { [("network", network)] }

    init(_ model: ReferenceModel) {
        self.model = model
        network = model.makeNetwork()
    }

    func callAsFunction(_ input: Tensor) -> Tensor { network(input) }

    // MARK: step
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        try log("train_loss", loss.scalar, progressBar: true)
        return loss
    }

    // MARK: validation
    func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
        let logits = self(batch.inputs)
        try accuracy.update(predictions: logits, targets: batch.labels)
        try log("val_loss", crossEntropy(logits: logits, labels: batch.labels).scalar, progressBar: true)
        try log("val_accuracy", accuracy, progressBar: true)
    }

    // MARK: step
    func configureOptimizers() -> OptimizerConfiguration? {
        OptimizerConfiguration(model.makeOptimizer(for: network))
    }

    // MARK: logging
    var hyperparameters: [String: String] { settings }
    var settings: [String: String] = [:]
}

// MARK: logging
/// Training time without validation and checkpoint writing, and the curves.
final class RunObserver: Callback {
    private var start: UInt64 = 0, pausedAt: UInt64 = 0
    private let every: Int
    private(set) var seconds = 0.0
    var lossCurve: [(Int, Float)] = [], accuracyCurve: [(Double, Float)] = []
    let clock = StepClock()
    init(every: Int) { self.every = every }
    func onTrainEpochStart(trainer: Trainer) {
        start = DispatchTime.now().uptimeNanoseconds
        clock.restart()
    }
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        if trainer.globalStep % every == 0, let loss = trainer.callbackMetrics["train_loss"] { lossCurve.append((trainer.globalStep, loss)) }
        clock.tick(step: trainer.globalStep, record: trainer.globalStep % every == 0)
    }
    func onValidationStart(trainer: Trainer) { pausedAt = DispatchTime.now().uptimeNanoseconds }
    func onValidationEnd(trainer: Trainer) throws {
        start += DispatchTime.now().uptimeNanoseconds - pausedAt
        if !trainer.isSanityChecking, let accuracy = trainer.callbackMetrics["val_accuracy"] {
            accuracyCurve.append((Double(trainer.currentEpoch) + Double(trainer.batchInEpoch) / Double(trainer.trainBatchesPerEpoch), accuracy))
        }
        clock.restart()
    }
    func onTrainEpochEnd(trainer: Trainer) throws { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// The reference model trained with the Structured frontend: a training module with validation
/// accuracy and loss logged, a progress bar, best-model checkpointing and early stopping.
public func trainWithStructured(_ options: RunOptions, data mnist: MNIST, worldSize world: Int = 1,
                                checkpointDirectory: String? = "checkpoints", showProgress: Bool = true) throws -> RunResult {
    // MARK: model
    seedEverything(options.seed)
    let classifier = MNISTClassifier(options.model)
    // MARK: data
    let train = DataLoader(mnist.train, batchSize: options.batchSize / world, shuffle: true, seed: options.seed)
    let test = DataLoader(mnist.test, batchSize: 1000)
    let batches = options.limit.map { ($0 + options.batchSize - 1) / options.batchSize } ?? train.sharded(rank: 0, worldSize: world).batchesPerEpoch
    // MARK: logging
    let observer = RunObserver(every: max(1, batches / curvePointsPerEpoch))

    // MARK: early stopping
    var callbacks: [any Callback] = [observer, EarlyStoppingCallback(monitor: "val_loss", patience: 3)]
    // MARK: checkpointing
    let checkpoints = checkpointDirectory.map {
        CheckpointCallback(directory: "\($0)/structured-\(options.model.rawValue)", filename: "best-{epoch}-{val_accuracy:.4f}",
                           monitor: "val_accuracy", mode: .max)
    }
    if let checkpoints { callbacks.append(checkpoints) }
    // MARK: logging
    if showProgress { callbacks.append(ProgressBarCallback()) }
    let trainer = Trainer(maxEpochs: options.epochs, callbacks: callbacks)
    trainer.loggers = try makeLoggers(options, frontend: "structured")
    if options.loggers.contains(.tensorboard) { trainer.callbacks.append(ParameterHistogramCallback()) }
    classifier.settings = hyperparameters(options)
    // MARK: export
    trainer.onnxExport = options.onnxPath.map { ONNXExportSettings(path: $0, inputShape: [1, 1, 28, 28]) }
    // MARK: checkpointing
    trainer.enableCheckpointing = checkpoints != nil
    // MARK: logging
    trainer.enableProgressBar = showProgress
    trainer.enableModelSummary = false
    trainer.profiler = options.profile ? RunProfiler(operations: OperationProfiler()) : nil
    // MARK: data
    trainer.limitTrainBatches = .count(batches)
    trainer.validationInterval = .fraction(1 / Double(options.validationsPerEpoch))
    // MARK: distributed
    if world > 1 {
        trainer.strategy = .dataParallel(launcher: MPILauncher())
        trainer.devices = world
    }
    // MARK: tuning
    let found = try options.findLearningRate ? Tuner(trainer: trainer).learningRateFind(classifier, train: train) : nil
    // MARK: run and record
    let metrics = try trainer.fit(classifier, train: train, validation: test)

    let epochs = trainer.currentEpoch + 1
    let samples = Double(min(batches * options.batchSize, mnist.train.count) * epochs)
    var result = RunResult(record: RunRecord(
        frontend: "structured", model: options.model.rawValue, epochs: epochs, batch: options.batchSize,
        trainSeconds: observer.seconds, samplesPerSecond: samples / observer.seconds,
        testAccuracy: Double(metrics["val_accuracy"] ?? .nan), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(metrics["train_loss"] ?? .nan), weightsCRC32: weightsChecksum(classifier.network), worldSize: world))
    result.lossCurve = observer.lossCurve
    result.stepTimes = observer.clock.points
    result.accuracyCurve = observer.accuracyCurve
    result.logLocations = (trainer.loggers ?? []).map(\.location).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    result.profiler = trainer.isGlobalZero ? trainer.profiler : nil
    result.learningRateFind = found.map { ($0.suggestion, $0.svg()) }
    result.hookPlaces = Dictionary(uniqueKeysWithValues: trainer.hookPlaces.map { ($0.key.rawValue, $0.value.sorted()) })
    return result
}
