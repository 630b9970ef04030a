import TensorCore
import Datasets

/// The three reference MNIST models, defined once for every example program, exactly as in
/// `../shared/reference/pytorch/mnist_torch.py`, with their optimizers.
public enum ReferenceModel: String, CaseIterable, Sendable {
    /// `relu(Linear(784, 10))`, Adam lr 0.02. The ReLU on the logits caps accuracy near 45%:
    /// that is the seed article's model, kept as a faithful reproduction.
    case seed
    /// `Linear(784, 256)-ReLU-Linear(256, 128)-ReLU-Linear(128, 10)`, Adam lr 1e-3.
    case mlp
    /// Two convolutions and two fully connected layers with dropout, SGD lr 0.01 momentum 0.5.
    case cnn

    /// A freshly initialized network (drawing from the process-wide generator).
    public func makeNetwork() -> any Module<Tensor> {
        switch self {
        case .seed: SeedNetwork()
        case .mlp:
            Sequential(Flatten(),
                       Linear(inFeatures: 784, outFeatures: 256), ReLU(),
                       Linear(inFeatures: 256, outFeatures: 128), ReLU(),
                       Linear(inFeatures: 128, outFeatures: 10))
        case .cnn: ConvolutionalNetwork()
        }
    }

    /// The optimizer the reference runs use for this model.
    public func makeOptimizer(for network: any Module) -> any Optimizer {
        switch self {
        case .seed: Adam(parameters: network.parameters, learningRate: 0.02)
        case .mlp: Adam(parameters: network.parameters, learningRate: 1e-3)
        case .cnn: SGD(parameters: network.parameters, learningRate: 0.01, momentum: 0.5)
        }
    }

    /// The optimizer of ``makeOptimizer(for:)`` in words, for logs.
    public var optimizerDescription: String {
        switch self {
        case .seed: "Adam(lr=0.02)"
        case .mlp: "Adam(lr=0.001)"
        case .cnn: "SGD(lr=0.01, momentum=0.5)"
        }
    }
}

/// `relu(Linear(784, 10))` on flattened images.
final class SeedNetwork: Module {
    let linear = Linear(inFeatures: 784, outFeatures: 10)
    var isTraining = true
    var children: [(String, any Module)] { [("l1", linear)] }
    func callAsFunction(_ input: Tensor) -> Tensor {
        relu(linear(input.reshaped(to: [input.shape[0], -1])))
    }
}

/// The classic PyTorch/Ignite MNIST network:
/// Conv(1,10,5)-MaxPool(2)-ReLU-Conv(10,20,5)-Dropout2D-MaxPool(2)-ReLU-Flatten-Linear(320,50)-ReLU-Dropout-Linear(50,10).
final class ConvolutionalNetwork: Module {
    let conv1 = Conv2D(inChannels: 1, outChannels: 10, kernelSize: 5)
    let conv2 = Conv2D(inChannels: 10, outChannels: 20, kernelSize: 5)
    let channelDropout = Dropout2D(probability: 0.5)
    let fc1 = Linear(inFeatures: 320, outFeatures: 50)
    let fc2 = Linear(inFeatures: 50, outFeatures: 10)
    let dropout = Dropout(probability: 0.5)
    var isTraining = true

    var children: [(String, any Module)] {
        [("conv1", conv1), ("conv2", conv2), ("drop", channelDropout), ("fc1", fc1), ("fc2", fc2), ("dropout", dropout)]
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input.reshaped(to: [-1, 1, 28, 28])
        x = relu(maxPool2D(conv1(x), kernelSize: 2))
        x = relu(maxPool2D(channelDropout(conv2(x)), kernelSize: 2))
        x = relu(fc1(x.reshaped(to: [-1, 320])))
        return fc2(dropout(x))
    }
}
