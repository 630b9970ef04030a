import Datasets
import Events
import Foundation
import TensorCore

/// The GAN with the Events frontend, in Ignite's pattern for GANs: one step function updates
/// both networks, each through its own shared optimization step; handlers time the epochs and
/// write the grids.
public func trainGANWithEvents(_ options: GANOptions, data mnist: MNIST) throws -> GANResult {
    seedEverything(options.seed)
    let generator = makeGenerator(), discriminator = makeDiscriminator()
    let generatorStep = OptimizationStep(optimizer: makeGANOptimizer(for: generator))
    let discriminatorStep = OptimizationStep(optimizer: makeGANOptimizer(for: discriminator))
    let loader = DataLoader(mnist.train, batchSize: options.batchSize, shuffle: true, seed: options.seed)
    let batches = min(options.batchesPerEpoch ?? loader.batchesPerEpoch, loader.batchesPerEpoch)
    let progress = GANProgress(every: batches / 50), noise = gridNoise(seed: options.seed)
    var grids: [String] = []

    let trainer = Engine { (engine, batch: LabeledBatch) -> (discriminator: Float, generator: Float) in
        let real = ganRange(batch.inputs), count = real.shape[0]
        let fake = generator(Tensor(randomNormal: [count, latentSize]))
        let discriminatorLoss = binaryCrossEntropy(logits: discriminator(real), labels: Tensor(ones: [count, 1]))
            + binaryCrossEntropy(logits: discriminator(fake.detached()), labels: Tensor(zeros: [count, 1]))
        try discriminatorStep.apply(loss: discriminatorLoss, examples: count, endsEpoch: false)
        // The discriminator's weights stay out of the generator's backward pass.
        for parameter in discriminator.parameters { parameter.requiresGradient = false }
        defer { for parameter in discriminator.parameters { parameter.requiresGradient = true } }
        let generatorLoss = binaryCrossEntropy(logits: discriminator(fake), labels: Tensor(ones: [count, 1]))
        try generatorStep.apply(loss: generatorLoss, examples: count, endsEpoch: false)
        return (discriminatorLoss.scalar, generatorLoss.scalar)
    }
    var epochStart: UInt64 = 0
    trainer.on(.epochStarted) { _ in epochStart = DispatchTime.now().uptimeNanoseconds }
    trainer.on(.iterationCompleted) { engine in
        progress.record(discriminator: engine.state.output!.discriminator, generator: engine.state.output!.generator)
    }
    trainer.on(.epochCompleted) { engine in
        progress.seconds += Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
        grids.append("\(options.outputDirectory)/events-epoch\(engine.state.epoch).png")
        try writeGrid(generator, noise: noise, to: grids[grids.count - 1])
    }
    try trainer.run(loader, maxEpochs: options.epochs, epochLength: batches)
    return try progress.result(options, batches: batches, pair: GANPair(generator: generator, discriminator: discriminator), grids: grids)
}
