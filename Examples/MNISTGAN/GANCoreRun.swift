import Datasets
import TensorCore

/// The GAN trained by a hand-written loop over the core: after each batch, a discriminator
/// step on real and generated images, then a generator step against the updated discriminator.
public func trainGANWithCore(_ options: GANOptions, data mnist: MNIST) throws -> GANResult {
    seedEverything(options.seed)
    let generator = makeGenerator(), discriminator = makeDiscriminator()
    let generatorOptimizer = makeGANOptimizer(for: generator), discriminatorOptimizer = makeGANOptimizer(for: discriminator)
    let loader = DataLoader(mnist.train, batchSize: options.batchSize, shuffle: true, seed: options.seed)
    let batches = min(options.batchesPerEpoch ?? loader.batchesPerEpoch, loader.batchesPerEpoch)
    let progress = GANProgress(every: batches / 50), noise = gridNoise(seed: options.seed)
    var grids: [String] = []
    for epoch in 0..<options.epochs {
        progress.timed {
            for batch in loader.batches(epoch: epoch).prefix(batches) {
                let real = ganRange(batch.inputs), count = real.shape[0]
                let fake = generator(Tensor(randomNormal: [count, latentSize]))
                let discriminatorLoss = binaryCrossEntropy(logits: discriminator(real), labels: Tensor(ones: [count, 1]))
                    + binaryCrossEntropy(logits: discriminator(fake.detached()), labels: Tensor(zeros: [count, 1]))
                discriminatorOptimizer.zeroGradients()
                discriminatorLoss.backward()
                discriminatorOptimizer.step()
                // The discriminator's weights stay out of the generator's backward pass.
                for parameter in discriminator.parameters { parameter.requiresGradient = false }
                let generatorLoss = binaryCrossEntropy(logits: discriminator(fake), labels: Tensor(ones: [count, 1]))
                generatorOptimizer.zeroGradients()
                generatorLoss.backward()
                generatorOptimizer.step()
                for parameter in discriminator.parameters { parameter.requiresGradient = true }
                progress.record(discriminator: discriminatorLoss.scalar, generator: generatorLoss.scalar)
            }
        }
        grids.append("\(options.outputDirectory)/core-epoch\(epoch + 1).png")
        try writeGrid(generator, noise: noise, to: grids[epoch])
    }
    return try progress.result(options, batches: batches, pair: GANPair(generator: generator, discriminator: discriminator), grids: grids)
}
