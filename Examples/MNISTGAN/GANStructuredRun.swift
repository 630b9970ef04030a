import Datasets
import Foundation
import Structured
import TensorCore

/// The GAN as a Lightning-style module: two optimizers and manual optimization, each network
/// updated in turn with the other's parameters toggled off.
final class GANModule: TrainingModule {
    let generator = makeGenerator(), discriminator = makeDiscriminator()
    var isTraining = true
    var automaticOptimization: Bool { false }
    var children: [(String, any Module)] { [("generator", generator), ("discriminator", discriminator)] }
    func callAsFunction(_ noise: Tensor) -> Tensor { generator(noise) }

    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        let (generatorOptimizer, discriminatorOptimizer) = (optimizers[0], optimizers[1])
        let real = ganRange(batch.inputs), count = real.shape[0]
        let fake = generator(Tensor(randomNormal: [count, latentSize]))
        toggleOptimizer(discriminatorOptimizer)
        let discriminatorLoss = binaryCrossEntropy(logits: discriminator(real), labels: Tensor(ones: [count, 1]))
            + binaryCrossEntropy(logits: discriminator(fake.detached()), labels: Tensor(zeros: [count, 1]))
        discriminatorOptimizer.zeroGradients()
        try manualBackward(discriminatorLoss)
        discriminatorOptimizer.step()
        untoggleOptimizer(discriminatorOptimizer)
        toggleOptimizer(generatorOptimizer)
        let generatorLoss = binaryCrossEntropy(logits: discriminator(fake), labels: Tensor(ones: [count, 1]))
        generatorOptimizer.zeroGradients()
        try manualBackward(generatorLoss)
        generatorOptimizer.step()
        untoggleOptimizer(generatorOptimizer)
        try log("d_loss", discriminatorLoss.scalar, progressBar: true)
        try log("g_loss", generatorLoss.scalar, progressBar: true)
        return nil
    }

    func configureOptimizers() -> OptimizerConfiguration? {
        OptimizerConfiguration([makeGANOptimizer(for: generator), makeGANOptimizer(for: discriminator)])
    }
}

/// Times the epochs, records the losses and writes each epoch's grid.
final class GANObserver: Callback {
    let progress: GANProgress, noise: Tensor, folder: String
    var grids: [String] = []
    private var start: UInt64 = 0
    init(progress: GANProgress, noise: Tensor, folder: String) { (self.progress, self.noise, self.folder) = (progress, noise, folder) }
    func onTrainEpochStart(trainer: Trainer) { start = DispatchTime.now().uptimeNanoseconds }
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws {
        progress.record(discriminator: trainer.callbackMetrics["d_loss"]!, generator: trainer.callbackMetrics["g_loss"]!)
    }
    func onTrainEpochEnd(trainer: Trainer) throws {
        progress.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        grids.append("\(folder)/structured-epoch\(trainer.currentEpoch + 1).png")
        try writeGrid((trainer.module as! GANModule).generator, noise: noise, to: grids[grids.count - 1])
    }
}

/// The GAN with the Structured frontend.
public func trainGANWithStructured(_ options: GANOptions, data mnist: MNIST) throws -> GANResult {
    seedEverything(options.seed)
    let module = GANModule()
    let loader = DataLoader(mnist.train, batchSize: options.batchSize, shuffle: true, seed: options.seed)
    let batches = min(options.batchesPerEpoch ?? loader.batchesPerEpoch, loader.batchesPerEpoch)
    let progress = GANProgress(every: batches / 50)
    let observer = GANObserver(progress: progress, noise: gridNoise(seed: options.seed), folder: options.outputDirectory)
    let trainer = Trainer(maxEpochs: options.epochs, callbacks: [observer])
    trainer.limitTrainBatches = .count(batches)
    trainer.loggers = []
    trainer.enableCheckpointing = false
    trainer.enableProgressBar = false
    trainer.enableModelSummary = false
    try trainer.fit(module, train: loader)
    return try progress.result(options, batches: batches, pair: GANPair(generator: module.generator, discriminator: module.discriminator),
                           grids: observer.grids)
}
