/// The weights of one layer of a recurrent network, in PyTorch's layout: the gates stacked
/// along the first axis (`[gates · hidden, inputs]`), named `weight_ih_l{k}`, `weight_hh_l{k}`,
/// `bias_ih_l{k}`, `bias_hh_l{k}`.
struct RecurrentLayerWeights {
    let inputWeight: Tensor, hiddenWeight: Tensor
    let inputBias: Tensor?, hiddenBias: Tensor?

    /// Weights for `gates` gates, uniform in `±1/√hidden` as PyTorch draws them (input weight,
    /// hidden weight, input bias, hidden bias).
    init(gates: Int, inputs: Int, hidden: Int, hasBias: Bool) {
        let bound = 1 / Float(hidden).squareRoot()
        inputWeight = uniformParameter([gates * hidden, inputs], bound: bound)
        hiddenWeight = uniformParameter([gates * hidden, hidden], bound: bound)
        inputBias = hasBias ? uniformParameter([gates * hidden], bound: bound) : nil
        hiddenBias = hasBias ? uniformParameter([gates * hidden], bound: bound) : nil
    }

    func named(layer: Int) -> [(String, Tensor)] {
        [("weight_ih_l\(layer)", inputWeight), ("weight_hh_l\(layer)", hiddenWeight)]
            + [inputBias.map { ("bias_ih_l\(layer)", $0) }, hiddenBias.map { ("bias_hh_l\(layer)", $0) }].compactMap { $0 }
    }

    /// The input projection of every time step at once, `[batch, time, gates · hidden]`: one
    /// matrix product for the whole sequence instead of one per step.
    func projectInputs(_ input: Tensor) -> Tensor { linear(input, weight: inputWeight, bias: inputBias) }

    /// The hidden projection of one step, `[batch, gates · hidden]`.
    func projectHidden(_ hidden: Tensor) -> Tensor { linear(hidden, weight: hiddenWeight, bias: hiddenBias) }
}

/// Checks a recurrent layer's input `[batch, time, features]` and its initial state.
func checkRecurrentInput(_ input: Tensor, features: Int, state: [Tensor], layers: Int, hidden: Int, _ operation: String) {
    guard input.rank == 3, input.shape[2] == features else {
        fail(operation, "input of shape \(input.shape) is not [batch, time, \(features)] (batch first)")
    }
    for tensor in state where tensor.shape != [layers, input.shape[0], hidden] {
        fail(operation, "initial state of shape \(tensor.shape) is not [\(layers), \(input.shape[0]), \(hidden)]")
    }
}

/// Runs stacked recurrent layers over `input` `[batch, time, features]`: per layer, the input
/// projection once for the whole sequence, then `step` at each time step with that step's
/// projected input and the layer's state (`initial(layer)` to start). Returns the last layer's
/// outputs `[batch, time, hidden]` and every layer's final state. `output` reads the hidden
/// vector a state passes to the next layer.
func runRecurrentLayers<State>(_ input: Tensor, weights: [RecurrentLayerWeights], initial: (Int) -> State,
                               output: (State) -> Tensor,
                               step: (_ weight: RecurrentLayerWeights, _ projectedInput: Tensor, _ state: State) -> State) -> (Tensor, [State]) {
    var sequence = input
    var finals: [State] = []
    for (layer, weight) in weights.enumerated() {
        let projected = weight.projectInputs(sequence)
        var state = initial(layer)
        var outputs: [Tensor] = []
        for time in 0..<input.shape[1] {
            state = step(weight, projected.sliced(alongAxis: 1, time..<(time + 1)).squeezingShape(at: 1), state)
            outputs.append(output(state))
        }
        sequence = Tensor(stacking: outputs, alongAxis: 1)
        finals.append(state)
    }
    return (sequence, finals)
}
