/// `x·Wᵀ + b` over the last axis of `input`: `input` is `[..., inputs]`, `weight` is
/// `[outputs, inputs]` (PyTorch's layout) and `bias` is `[outputs]`.
///
/// One fused primitive: the forward pass is one BLAS product accumulated onto the bias, and the
/// pullback computes `dW = gᵀ·x` and `dx = g·W` straight from BLAS's transpose flags, skipping
/// `dx` when the input needs no gradient (a network's first layer).
public func linear(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    guard weight.rank == 2, input.rank >= 1, input.shape[input.rank - 1] == weight.shape[1] else {
        fail("linear", "input of shape \(input.shape) does not match weight of shape \(weight.shape) ([outputs, inputs])")
    }
    let outputs = weight.shape[0], inputs = weight.shape[1]
    if let bias, bias.shape != [outputs] {
        fail("linear", "bias of shape \(bias.shape) does not match weight of shape \(weight.shape)")
    }
    let rows = input.scalarCount / Swift.max(inputs, 1)
    let resultShape = Array(input.shape.dropLast()) + [outputs]
    let inputsAsRows = input.detached().reshaped(to: [rows, inputs])
    let weightValues = weight.detached()
    let recordedInputs = bias.map { [input, weight, $0] } ?? [input, weight]
    return Kernels.linear(inputsAsRows, weightValues, bias, rows: rows, inputs: inputs, outputs: outputs, resultShape: resultShape)
        .recorded("linear", inputs: recordedInputs) { gradient, _ in
            let g = gradient.reshaped(to: [rows, outputs])
            let gradientInput = input.requiresGradient ? matmul(g, weightValues).reshaped(to: input.shape) : nil
            let gradientWeight = matmul(g.transposed(), inputsAsRows)
            return [gradientInput, gradientWeight] + (bias == nil ? [] : [g.sum(alongAxis: 0)])
        }
}

/// A fully connected layer: `y = x·Wᵀ + b`.
///
/// Initialized as PyTorch's `nn.Linear`: weight and bias uniform in `±1/√inFeatures` (Kaiming-uniform
/// with `a = √5`), drawn from the process-wide generator (see ``seedEverything(_:)``), weight first.
///
/// ```swift
/// let layer = Linear(inFeatures: 784, outFeatures: 256)
/// let hidden = layer(images.reshaped(to: [-1, 784]))   // [batch, 256]
/// ```
public final class Linear: Module {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or `nil` for a layer without bias.
    public let bias: Tensor?
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// A layer from `inFeatures` to `outFeatures`, with or without bias, initialized as PyTorch's `nn.Linear`.
    public init(inFeatures: Int, outFeatures: Int, hasBias: Bool = true) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = uniformParameter([outFeatures, inFeatures], bound: bound)
        bias = hasBias ? uniformParameter([outFeatures], bound: bound) : nil
    }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        linear(input, weight: weight, bias: bias)
    }
}
