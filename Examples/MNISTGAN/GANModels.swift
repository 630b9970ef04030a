import Datasets
import Foundation
import TensorCore

// The classic fully connected GAN on MNIST, shared by the three frontends' runs: the two
// networks, the data's value range, the fixed noise of the sample grids and the digit check.

/// The generator's input size.
public let latentSize = 100

/// 100-256-512-1024-784 with LeakyReLU(0.2), batch normalization in the two widest hidden layers
/// (as in Lightning's and PyTorch-GAN's basic GAN) and tanh: images with values in -1...1.
public func makeGenerator() -> Sequential {
    Sequential(Linear(inFeatures: latentSize, outFeatures: 256), LeakyReLU(negativeSlope: 0.2),
               Linear(inFeatures: 256, outFeatures: 512), BatchNorm1D(features: 512), LeakyReLU(negativeSlope: 0.2),
               Linear(inFeatures: 512, outFeatures: 1024), BatchNorm1D(features: 1024), LeakyReLU(negativeSlope: 0.2),
               Linear(inFeatures: 1024, outFeatures: 784), Tanh())
}

/// 784-512-256-1 with LeakyReLU(0.2): one logit, real against generated.
public func makeDiscriminator() -> Sequential {
    Sequential(Linear(inFeatures: 784, outFeatures: 512), LeakyReLU(negativeSlope: 0.2),
               Linear(inFeatures: 512, outFeatures: 256), LeakyReLU(negativeSlope: 0.2),
               Linear(inFeatures: 256, outFeatures: 1))
}

/// Adam at 2e-4 with betas (0.5, 0.999), the GAN papers' setting.
public func makeGANOptimizer(for network: some Module) -> Adam {
    Adam(for: network, learningRate: 2e-4, beta1: 0.5, beta2: 0.999)
}

/// MNIST images (normalized with MNIST's mean and deviation) as `[n, 784]` values in -1...1.
public func ganRange(_ inputs: Tensor) -> Tensor {
    inputs.reshaped(to: [inputs.shape[0], 784]) * (2 * MNISTDataset.standardDeviation) + (2 * MNISTDataset.mean - 1)
}

/// The 64 noise vectors every grid shows, drawn in their own random scope so that drawing them
/// leaves the training's random stream where it was.
public func gridNoise(seed: UInt64) -> Tensor {
    withRandomScope(seed: seed &+ 0x6A4E) { Tensor(randomNormal: [64, latentSize]) }
}

/// Writes the generator's images of `noise` as an 8x8 PNG grid, in evaluation mode.
public func writeGrid(_ generator: Sequential, noise: Tensor, to path: String) throws {
    generator.eval()
    defer { generator.train() }
    let images = withoutGradient { generator(noise) }.reshaped(to: [noise.shape[0], 28, 28])
    try GrayscaleImage(grid: images, columns: 8, range: -1...1).write(toPNG: path)
}

/// The two networks as one module, for checksums and checkpoints.
public final class GANPair: Module {
    /// Noise to images.
    public let generator: Sequential
    /// Images to one logit.
    public let discriminator: Sequential
    /// Whether the pair is in training mode.
    public var isTraining = true
    /// The pair's networks, by name.
    public var children: [(String, any Module)] { [("generator", generator), ("discriminator", discriminator)] }
    /// The pair of `generator` and `discriminator`.
    public init(generator: Sequential, discriminator: Sequential) {
        self.generator = generator
        self.discriminator = discriminator
    }
    /// The generator's images of `noise`.
    public func callAsFunction(_ noise: Tensor) -> Tensor { generator(noise) }
}
