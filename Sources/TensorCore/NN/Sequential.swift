/// Modules applied one after another, each to the previous one's output.
///
/// Children are named by position, as in PyTorch, so parameter names match `nn.Sequential`'s
/// `state_dict` keys.
///
/// ```swift
/// let mlp = Sequential(
///     Flatten(),
///     Linear(inputSize: 784, outputSize: 256), ReLU(),
///     Linear(inputSize: 256, outputSize: 10))
/// mlp.namedParameters.map(\.name)   // ["1.weight", "1.bias", "3.weight", "3.bias"]
/// ```
public final class Sequential: Module {
    public let layers: [any Module]
    public var isTraining = true

    public init(_ layers: any Module...) { self.layers = layers }
    public init(_ layers: [any Module]) { self.layers = layers }

    public var children: [(String, any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}
