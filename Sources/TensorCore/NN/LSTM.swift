/// A long short-term memory network over batch-first sequences `[batch, time, inFeatures]`,
/// with stacked layers (PyTorch's `nn.LSTM(batch_first=True)`).
///
/// Gates are PyTorch's, in its order (input, forget, cell, output), and so are the parameter
/// names and layouts (`weight_ih_l0` `[4·hidden, inFeatures]`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, then `…_l1`), so a PyTorch `state_dict` loads as is. Each layer projects the
/// whole input sequence in one matrix product; only the hidden projection runs per step.
///
/// ```swift
/// let lstm = LSTM(inFeatures: 32, hiddenFeatures: 64, layers: 2)
/// let (output, state) = lstm(x, initialState: nil)   // [batch, time, 64]; state.hidden [2, batch, 64]
/// ```
public final class LSTM: Module {
    /// The features of each input position.
    public let inFeatures: Int
    /// The features of the hidden and cell states.
    public let hiddenFeatures: Int
    /// The number of stacked layers.
    public let layers: Int
    let weights: [RecurrentLayerWeights]
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// The hidden and cell states of every layer, each `[layers, batch, hiddenFeatures]`.
    public struct State {
        /// `h` of each layer after the last step.
        public var hidden: Tensor
        /// `c` of each layer after the last step.
        public var cell: Tensor
        /// A state of these tensors.
        public init(hidden: Tensor, cell: Tensor) {
            self.hidden = hidden
            self.cell = cell
        }
    }

    /// `layers` stacked layers from `inFeatures` to `hiddenFeatures`, initialized as PyTorch does.
    public init(inFeatures: Int, hiddenFeatures: Int, layers: Int = 1, hasBias: Bool = true) {
        guard layers >= 1 else { fail("LSTM", "needs at least one layer, got \(layers)") }
        self.inFeatures = inFeatures
        self.hiddenFeatures = hiddenFeatures
        self.layers = layers
        weights = (0..<layers).map { RecurrentLayerWeights(gates: 4, inputs: $0 == 0 ? inFeatures : hiddenFeatures, hidden: hiddenFeatures, hasBias: hasBias) }
    }

    /// Every layer's weights with PyTorch's names.
    public var ownParameters: [(String, Tensor)] {
        weights.enumerated().flatMap { $0.element.named(layer: $0.offset) }
    }

    /// The last layer's output at every step, `[batch, time, hiddenFeatures]`, from a zero state.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, initialState: nil).output
    }

    /// The last layer's output at every step and the final state of every layer, starting from
    /// `initialState` (zeros when `nil`).
    public func callAsFunction(_ input: Tensor, initialState: State?) -> (output: Tensor, state: State) {
        let batch = input.shape.first ?? 0, h = hiddenFeatures
        checkRecurrentInput(input, features: inFeatures, state: initialState.map { [$0.hidden, $0.cell] } ?? [],
                            layers: layers, hidden: h, "LSTM")
        let zeros = Tensor(zeros: [batch, h])
        let (sequence, finals) = runRecurrentLayers(input, weights: weights, initial: { layer in
            (hidden: initialState.map { $0.hidden[layer] } ?? zeros, cell: initialState.map { $0.cell[layer] } ?? zeros)
        }, output: \.hidden) { weight, projected, state in
            let gates = (projected + weight.projectHidden(state.hidden)).split(sizes: [h, h, h, h], alongAxis: 1)
            let cell = sigmoid(gates[1]) * state.cell + sigmoid(gates[0]) * tanh(gates[2])
            return (hidden: sigmoid(gates[3]) * tanh(cell), cell: cell)
        }
        return (sequence, State(hidden: Tensor(stacking: finals.map(\.hidden)), cell: Tensor(stacking: finals.map(\.cell))))
    }
}
