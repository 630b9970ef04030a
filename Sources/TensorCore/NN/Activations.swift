// MARK: - Softmax functions (one fused kernel each way, along any axis of any rank)

/// `exp(x) / sum(exp(x))` along `axis` (the last by default), for a tensor of any rank.
///
/// ```swift
/// let attention = softmax(scores, alongAxis: -1)   // [batch, heads, time, time]
/// ```
public func softmax(_ x: Tensor, alongAxis axis: Int = -1) -> Tensor {
    softmaxFamily(x, axis, logarithm: false)
}

/// `x - logSumExp(x)` along `axis`: log-probabilities, computed without overflow.
public func logSoftmax(_ x: Tensor, alongAxis axis: Int = -1) -> Tensor {
    softmaxFamily(x, axis, logarithm: true)
}

private func softmaxFamily(_ x: Tensor, _ axis: Int, logarithm: Bool) -> Tensor {
    let operation = logarithm ? "logSoftmax" : "softmax"
    let axis = normalizedAxis(axis, rank: x.rank, in: operation, shape: x.shape)
    guard x.rank > 0 else { return logarithm ? Tensor(zeros: []) : Tensor(ones: []) }
    let outer = x.shape[..<axis].reduce(1, *), length = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
    return Kernels.softmax(x, outer: outer, length: length, inner: inner, logarithm: logarithm)
        .recorded(operation, x) { gradient, output in
            [Kernels.softmaxBackward(gradient, output: output, outer: outer, length: length, inner: inner, logarithm: logarithm)]
        }
        .annotatingONNX(["axis": [Double(axis)]])
}

/// The Gaussian error linear unit as a layer.
public final class GELU: Module {
    /// Exact (through `erf`) or the tanh approximation.
    public let approximation: GELUApproximation
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer, exact by default.
    public init(approximation: GELUApproximation = .none) { self.approximation = approximation }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { gelu(input, approximation: approximation) }
}

// MARK: - Activation layers (parameter-free wrappers, for `Sequential`)

/// `max(0, x)` as a layer.
public final class ReLU: Module {
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer; it has no parameters.
    public init() {}
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { relu(input) }
}

/// `x` where positive, `negativeSlope·x` elsewhere, as a layer (PyTorch's `nn.LeakyReLU`).
///
/// ```swift
/// let discriminator = Sequential(Linear(inFeatures: 784, outFeatures: 512), LeakyReLU(negativeSlope: 0.2),
///                                Linear(inFeatures: 512, outFeatures: 1))
/// ```
public final class LeakyReLU: Module {
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The slope for negative inputs.
    public let negativeSlope: Float
    /// The layer; it has no parameters.
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { leakyReLU(input, negativeSlope: negativeSlope) }
}

/// The logistic sigmoid as a layer.
public final class Sigmoid: Module {
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer; it has no parameters.
    public init() {}
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { sigmoid(input) }
}

/// The hyperbolic tangent as a layer.
public final class Tanh: Module {
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer; it has no parameters.
    public init() {}
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { tanh(input) }
}

/// Softmax along an axis (the last by default) as a layer.
public final class Softmax: Module {
    /// The axis the probabilities sum to one along.
    public let axis: Int
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer along `axis` (the last by default).
    public init(alongAxis axis: Int = -1) { self.axis = axis }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { softmax(input, alongAxis: axis) }
}

/// Log-softmax along an axis (the last by default) as a layer.
public final class LogSoftmax: Module {
    /// The axis the probabilities sum to one along.
    public let axis: Int
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer along `axis` (the last by default).
    public init(alongAxis axis: Int = -1) { self.axis = axis }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor { logSoftmax(input, alongAxis: axis) }
}

/// Flattens every axis after the first: `[batch, ...]` becomes `[batch, features]` (a view).
public final class Flatten: Module {
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// The layer; it has no parameters.
    public init() {}
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.reshaped(to: [input.shape.first ?? 1, -1])
    }
}
