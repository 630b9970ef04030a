/// Modules applied one after another, each to the previous one's output.
///
/// Children are named by position, as in PyTorch, so parameter names match `nn.Sequential`'s
/// `state_dict` keys.
///
/// ```swift
/// let mlp = Sequential(
///     Flatten(),
///     Linear(inFeatures: 784, outFeatures: 256), ReLU(),
///     Linear(inFeatures: 256, outFeatures: 10))
/// mlp.namedParameters.map(\.name)   // ["1.weight", "1.bias", "3.weight", "3.bias"]
/// ```
public final class Sequential: Module {
    /// The layers, applied in order.
    public let layers: [any Module<Tensor>]
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// The layers, applied in order.
    public init(_ layers: any Module<Tensor>...) { self.layers = layers }
    /// The layers, applied in order.
    public init(_ layers: [any Module<Tensor>]) { self.layers = layers }

    /// The layers, named `0`, `1`, ... as PyTorch's `nn.Sequential`.
    public var children: [(String, any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}
