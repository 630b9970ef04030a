import Distributed
import Events
import Foundation
import Metrics
import MNISTModels
import TensorCore
import Datasets

/// The reference model trained with the Events frontend: a supervised trainer, an evaluator with
/// accuracy and loss, a progress bar, best-model checkpointing and early stopping.
public func trainWithEvents(_ options: RunOptions, data mnist: MNIST, communicator: any Communicator = SingleProcessCommunicator(),
                            checkpointDirectory: String? = "checkpoints", showProgress: Bool = true) throws -> RunResult {
    // MARK: distributed
    let world = communicator.worldSize, isMain = communicator.isMain
    // MARK: model
    seedEverything(options.seed)
    let model = options.model.makeNetwork()
    let optimizer = options.model.makeOptimizer(for: model)
    // MARK: data
    let trainLoader = DataLoader(mnist.train, batchSize: options.batchSize / world, shuffle: true, seed: options.seed)
        .sharded(rank: communicator.rank, worldSize: world)
    let epochLength = options.limit.map { ($0 + options.batchSize - 1) / options.batchSize } ?? trainLoader.batchesPerEpoch
    let testLoader = DataLoader(mnist.test, batchSize: 1000).evaluationShard(rank: communicator.rank, worldSize: world)

    // MARK: step
    let trainer = supervisedTrainer(model: model, optimizer: optimizer, options: SupervisedOptions(communicator: world > 1 ? communicator : nil))
    // MARK: tuning
    let found = try options.findLearningRate ? LearningRateFinder().run(model: model, optimizer: optimizer, data: trainLoader) { batch in
        (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
    } : nil
    // MARK: validation
    let evaluator = supervisedEvaluator(model: model, metrics: [
        "accuracy": Accuracy(task: .multiclass(classes: 10)),
        "loss": Loss { crossEntropy(logits: $0, labels: $1) },
        "confusion": ConfusionMatrix(task: .multiclass(classes: 10)),
    ], communicator: communicator)
    // MARK: logging
    let profiler = options.profile ? RunProfiler(operations: OperationProfiler()) : nil
    profiler?.operations?.nameLayers(of: model)
    trainer.profiler = profiler
    evaluator.profiler = profiler
    if showProgress { ProgressBar(values: ["val_accuracy"]).attach(to: trainer) }
    // MARK: step
    TerminateOnNaN().attach(to: trainer)
    // MARK: logging
    var result = RunResult(record: RunRecord(frontend: "events", model: options.model.rawValue, epochs: 0, batch: options.batchSize,
                                             trainSeconds: 0, samplesPerSecond: 0, testAccuracy: 0, peakResidentMegabytes: 0,
                                             finalLoss: 0, weightsCRC32: 0, worldSize: world))
    let every = max(1, epochLength / curvePointsPerEpoch)
    trainer.on(.iterationCompleted(every: every)) { result.lossCurve.append(($0.state.iteration, $0.state.output!)) }
    let clock = StepClock()
    trainer.on(.epochStarted) { _ in clock.restart() }
    trainer.on(.iterationCompleted) { clock.tick(step: $0.state.iteration, record: $0.state.iteration % every == 0) }

    // MARK: validation
    // Evaluate after every epoch; that time is not training time.
    var evaluationSeconds = 0.0
    trainer.on(.epochCompleted) { trainer in
        let ((), seconds) = try timed { try evaluator.run(testLoader) }
        evaluationSeconds += seconds
        let accuracy = evaluator.state.metrics["accuracy"]!
        trainer.state.metrics["val_accuracy"] = accuracy
        result.accuracyCurve.append((Double(trainer.state.epoch), accuracy))
    }
    // Accuracy inside the epoch too, at Events' evaluation schedule, by an evaluator of its own
    // (the epoch-end one above drives checkpoints and early stopping).
    let curveEvaluator = supervisedEvaluator(model: model, metrics: ["accuracy": Accuracy(task: .multiclass(classes: 10))], communicator: communicator)
    if options.validationsPerEpoch > 1 {
        EvaluationSchedule(interval: .fraction(1 / Double(options.validationsPerEpoch)), everyEpochs: nil).attach(to: trainer) { trainer in
            let ((), seconds) = try timed { try curveEvaluator.run(testLoader) }
            evaluationSeconds += seconds
            let state = trainer.state
            result.accuracyCurve.append((Double(state.epoch - 1) + Double(state.iterationInEpoch) / Double(state.epochLength),
                                         curveEvaluator.state.metrics["accuracy"]!))
            clock.restart()
        }
    }
    // MARK: checkpointing
    let checkpoints = checkpointDirectory.map {
        ModelCheckpoint(directory: "\($0)/events-\(options.model.rawValue)", prefix: "best", keep: 1, scoreName: "val_accuracy") {
            evaluator.state.metrics["accuracy"]!
        }
    }
    evaluator.on(.completed) { _ in
        guard isMain, let checkpoints else { return }
        let ((), seconds) = try timed {
            try checkpoints.save(model: model, optimizer: optimizer, scheduler: nil, epoch: trainer.state.epoch,
                                 step: trainer.state.iteration, extra: trainer.checkpointEntries)
        }
        evaluationSeconds += seconds
    }
    // MARK: early stopping
    EarlyStopping(patience: 3, trainer: trainer) { evaluator.state.metrics["loss"]! }.attach(to: evaluator, mode: .min)

    // MARK: logging
    // Loggers: the final values and settings first (handlers run in order), then per epoch.
    let loggers = isMain ? try makeLoggers(options, frontend: "events") : []
    trainer.on(.completed) { trainer in
        let final = ["train_loss": trainer.state.output ?? .nan, "val_accuracy": evaluator.state.metrics["accuracy"] ?? .nan]
        for logger in loggers { try logger.logHyperparameters(hyperparameters(options), finalMetrics: final, step: trainer.state.iteration) }
    }
    for logger in loggers {
        logger.attach(to: trainer, at: .epochCompleted) { trainer in
            ["train_loss": trainer.state.output ?? .nan, "val_accuracy": trainer.state.metrics["val_accuracy"] ?? .nan,
             "val_loss": evaluator.state.metrics["loss"] ?? .nan]
        }
        logger.attachHistograms(of: model, to: trainer)
        logger.attachTables(of: evaluator, to: trainer)   // the confusion matrix
    }

    // MARK: export
    if let path = options.onnxPath, isMain {
        ONNXExportHandler(model: model, path: path, inputShape: [1, 1, 28, 28], restoring: { checkpoints?.bestCheckpoint }).attach(to: trainer)
    }

    // MARK: run and record
    let (_, total) = try timed { try trainer.run(trainLoader, maxEpochs: options.epochs, epochLength: epochLength) }
    let seconds = total - evaluationSeconds
    let samples = Double(min(epochLength * options.batchSize, mnist.train.count) * trainer.state.epoch)
    result.record = RunRecord(
        frontend: "events", model: options.model.rawValue, epochs: trainer.state.epoch, batch: options.batchSize,
        trainSeconds: seconds, samplesPerSecond: samples / seconds,
        testAccuracy: Double(evaluator.state.metrics["accuracy"]!), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(trainer.state.output ?? .nan), weightsCRC32: weightsChecksum(model), worldSize: world)
    result.logLocations = loggers.map(\.location).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }   // CSV and TensorBoard share one
    result.profiler = isMain ? profiler : nil
    result.stepTimes = clock.points
    result.confusion = evaluator.state.tables["confusion"]
    result.learningRateFind = found.map { ($0.suggestion, $0.svg()) }
    return result
}
