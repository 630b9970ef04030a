/// A gated recurrent unit network over batch-first sequences `[batch, time, inFeatures]`, with
/// stacked layers (PyTorch's `nn.GRU(batch_first=True)`).
///
/// Gates, order (reset, update, new), parameter names and layouts are PyTorch's (`weight_ih_l0`
/// `[3·hidden, inFeatures]`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`), so a PyTorch
/// `state_dict` loads as is; as in PyTorch the reset gate multiplies the hidden projection
/// including its bias: `n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))`.
///
/// ```swift
/// let gru = GRU(inFeatures: 32, hiddenFeatures: 64, layers: 2)
/// let y = gru(x)   // [batch, time, 64]
/// ```
public final class GRU: Module {
    /// The features of each input position.
    public let inFeatures: Int
    /// The features of the hidden state.
    public let hiddenFeatures: Int
    /// The number of stacked layers.
    public let layers: Int
    let weights: [RecurrentLayerWeights]
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// `layers` stacked layers from `inFeatures` to `hiddenFeatures`, initialized as PyTorch does.
    public init(inFeatures: Int, hiddenFeatures: Int, layers: Int = 1, hasBias: Bool = true) {
        guard layers >= 1 else { fail("GRU", "needs at least one layer, got \(layers)") }
        self.inFeatures = inFeatures
        self.hiddenFeatures = hiddenFeatures
        self.layers = layers
        weights = (0..<layers).map { RecurrentLayerWeights(gates: 3, inputs: $0 == 0 ? inFeatures : hiddenFeatures, hidden: hiddenFeatures, hasBias: hasBias) }
    }

    /// Every layer's weights with PyTorch's names.
    public var ownParameters: [(String, Tensor)] {
        weights.enumerated().flatMap { $0.element.named(layer: $0.offset) }
    }

    /// The last layer's output at every step, `[batch, time, hiddenFeatures]`, from a zero state.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, initialState: nil).output
    }

    /// The last layer's output at every step and every layer's final hidden state
    /// `[layers, batch, hiddenFeatures]`, starting from `initialState` (zeros when `nil`).
    public func callAsFunction(_ input: Tensor, initialState: Tensor?) -> (output: Tensor, state: Tensor) {
        let batch = input.shape.first ?? 0, h = hiddenFeatures
        checkRecurrentInput(input, features: inFeatures, state: initialState.map { [$0] } ?? [], layers: layers, hidden: h, "GRU")
        let (sequence, finals) = runRecurrentLayers(input, weights: weights, initial: { layer in
            initialState.map { $0[layer] } ?? Tensor(zeros: [batch, h])
        }, output: { $0 }) { weight, projected, hidden in
            let x = projected.split(sizes: [h, h, h], alongAxis: 1)
            let recurrent = weight.projectHidden(hidden).split(sizes: [h, h, h], alongAxis: 1)
            let reset = sigmoid(x[0] + recurrent[0]), update = sigmoid(x[1] + recurrent[1])
            let candidate = tanh(x[2] + reset * recurrent[2])
            return (1 - update) * candidate + update * hidden
        }
        return (sequence, Tensor(stacking: finals))
    }
}
