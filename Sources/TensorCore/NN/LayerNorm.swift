/// Normalizes each position over its last axis, then scales and shifts it:
/// `(x - mean) / √(variance + ε) · weight + bias` (PyTorch's `nn.LayerNorm(features)`).
///
/// One fused kernel forward and one backward. Unlike batch normalization it keeps no running
/// statistics, so training and evaluation compute the same thing.
///
/// ```swift
/// let norm = LayerNorm(features: 128)
/// let y = norm(x)   // x: [batch, time, 128]
/// ```
public final class LayerNorm: Module {
    /// The length of the normalized (last) axis.
    public let features: Int
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// `[features]`, starting at 1; `nil` without an affine transform.
    public let weight: Tensor?
    /// `[features]`, starting at 0; `nil` without an affine transform.
    public let bias: Tensor?
    /// Whether the layer is in training mode (set by `train()` and `eval()`); it does not
    /// change what the layer computes.
    public var isTraining = true

    /// A layer over a last axis of `features`, with a learned gain and bias unless `isAffine` is false.
    public init(features: Int, epsilon: Float = 1e-5, isAffine: Bool = true) {
        self.features = features
        self.epsilon = epsilon
        weight = isAffine ? Tensor(parameter: [features], initializer: .ones) : nil
        bias = isAffine ? Tensor(parameter: [features], initializer: .zeros) : nil
    }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] {
        [weight.map { ("weight", $0) }, bias.map { ("bias", $0) }].compactMap { $0 }
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layerNorm(input, weight: weight, bias: bias, epsilon: epsilon)
    }
}

/// Layer normalization of `input` over its last axis with optional `weight` and `bias`
/// (both `[features]`): the functional form of ``LayerNorm``.
public func layerNorm(_ input: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
    guard let features = input.shape.last else { fail("layerNorm", "needs at least 1 dimension, got shape \(input.shape)") }
    for parameter in [weight, bias].compactMap({ $0 }) where parameter.shape != [features] {
        fail("layerNorm", "parameter of shape \(parameter.shape) does not match input of shape \(input.shape)")
    }
    let (output, mean, reciprocal) = Kernels.layerNorm(input, gain: weight, bias: bias, features: features, epsilon: epsilon)
    let inputs = [input] + [weight, bias].compactMap { $0 }
    return output.recorded("layerNorm", inputs: inputs) { gradient, _ in
        let gradients = Kernels.layerNormBackward(gradient, input: input, gain: weight, features: features,
                                                  mean: mean, reciprocalDeviation: reciprocal)
        return [gradients.input] + (weight == nil ? [] : [gradients.gain]) + (bias == nil ? [] : [gradients.bias])
    }.annotatingONNX(["epsilon": [Double(epsilon)]])
}
