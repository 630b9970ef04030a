// The Ignite-style frontend on MNIST: a supervised trainer, an evaluator with accuracy and loss,
// a progress bar, best-model checkpointing and early stopping.
// Run with `swift run -c release mnist-events --model mlp`.
import Distributed
import Events
import Foundation
import Metrics
import MNISTModels
import TensorCore

func run(_ options: RunOptions) throws {
    // Under mpirun, or started again under it for --devices > 1; one process otherwise.
    let communicator = try DataParallelLauncher.communicator(devices: options.devices)
    let world = communicator.worldSize, isMain = communicator.isMain
    guard options.batchSize % world == 0 else { throw UsageError("--batch-size \(options.batchSize) is not divisible by \(world) processes") }
    let mnist = try MNIST.load(from: options.dataDirectory)
    seedEverything(options.seed)
    let model = options.model.makeNetwork()
    let optimizer = options.model.makeOptimizer(for: model)
    let trainLoader = DataLoader(mnist.train, batchSize: options.batchSize / world, shuffle: true, seed: options.seed)
        .sharded(rank: communicator.rank, worldSize: world)
    let epochLength = options.limit.map { ($0 + options.batchSize - 1) / options.batchSize } ?? trainLoader.batchesPerEpoch
    let testLoader = DataLoader(mnist.test, batchSize: 1000).sharded(rank: communicator.rank, worldSize: world)

    let trainer = supervisedTrainer(model: model, optimizer: optimizer, options: SupervisedOptions(communicator: world > 1 ? communicator : nil))
    let evaluator = supervisedEvaluator(model: model, metrics: [
        "accuracy": Accuracy(task: .multiclass(classes: 10)),
        "loss": Loss { crossEntropy(logits: $0, labels: $1) },
    ], communicator: communicator)
    ProgressBar(values: ["val_accuracy"]).attach(to: trainer)
    TerminateOnNaN().attach(to: trainer)

    // Evaluate after every epoch; time spent there is not training time.
    var evaluationSeconds = 0.0
    trainer.on(.epochCompleted) { trainer in
        let start = DispatchTime.now().uptimeNanoseconds
        try evaluator.run(testLoader)
        trainer.state.metrics["val_accuracy"] = evaluator.state.metrics["accuracy"]
        trainer.state.metrics["val_loss"] = evaluator.state.metrics["loss"]
        if isMain { print(String(format: "epoch %d: val_accuracy %.4f, val_loss %.4f", trainer.state.epoch,
                     evaluator.state.metrics["accuracy"]!, evaluator.state.metrics["loss"]!)) }
        evaluationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    let checkpoints = ModelCheckpoint(directory: "checkpoints/events-\(options.model.rawValue)", prefix: "best", keep: 1,
                                      scoreName: "val_accuracy") { evaluator.state.metrics["accuracy"]! }
    evaluator.on(.completed) { _ in
        guard isMain else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        try checkpoints.save(model: model, optimizer: optimizer, scheduler: nil, epoch: trainer.state.epoch,
                             step: trainer.state.iteration, extra: trainer.checkpointEntries)
        evaluationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    EarlyStopping(patience: 3, trainer: trainer) { evaluator.state.metrics["loss"]! }.attach(to: evaluator, mode: .minimize)

    if isMain { print("mnist-events: \(options.model.rawValue), \(model.parameterCount) parameters, \(options.epochs) epoch(s) of \(epochLength) batches on \(world) process(es)") }
    let start = DispatchTime.now().uptimeNanoseconds
    try trainer.run(trainLoader, maxEpochs: options.epochs, epochLength: epochLength)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 - evaluationSeconds

    guard isMain else { return }
    let samples = Double(min(epochLength * options.batchSize, mnist.train.count) * trainer.state.epoch)
    let record = RunRecord(
        frontend: "events", model: options.model.rawValue, epochs: trainer.state.epoch, batch: options.batchSize,
        trainSeconds: seconds, samplesPerSecond: samples / seconds,
        testAccuracy: Double(evaluator.state.metrics["accuracy"]!), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(trainer.state.output ?? .nan), weightsCRC32: weightsChecksum(model), worldSize: world)
    print(String(format: "trained in %.2f s (%.0f samples/s), test accuracy %.4f, peak RSS %.0f MB, best checkpoint %@",
                 record.trainSeconds, record.samplesPerSecond, record.testAccuracy, record.peakResidentMegabytes,
                 checkpoints.bestCheckpoint ?? "none"))
    print(record.jsonLine)
    if let path = options.jsonPath { try record.append(to: path) }
}

do {
    try run(RunOptions(parsing: Array(CommandLine.arguments.dropFirst())))
} catch {
    FileHandle.standardError.write(Data("mnist-events: \(error)\n".utf8))
    exit(1)
}
