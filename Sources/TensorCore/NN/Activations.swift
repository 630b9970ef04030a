// MARK: - Softmax functions (composites of logSumExp, exp and subtraction)

/// `exp(x) / sum(exp(x))` along `axis`.
public func softmax(_ x: Tensor, alongAxis axis: Int = -1) -> Tensor {
    exp(logSoftmax(x, alongAxis: axis))
}

/// `x - logSumExp(x)` along `axis`: log-probabilities, computed without overflow.
public func logSoftmax(_ x: Tensor, alongAxis axis: Int = -1) -> Tensor {
    x - x.logSumExp(alongAxis: axis, keepingDimensions: true)
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
