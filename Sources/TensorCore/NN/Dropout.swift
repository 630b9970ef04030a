/// Zeroes each element with probability `probability` during training and scales the rest by
/// `1 / (1 - probability)`, so evaluation (which passes the input through) sees the same
/// expected values. Draws from the process-wide generator.
public final class Dropout: Module {
    /// The probability that an element (a whole channel, for `Dropout2D`) is zeroed in training mode.
    public let probability: Float
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// Dropout with `probability`; survivors are scaled by `1 / (1 - probability)`.
    public init(probability: Float = 0.5) {
        guard (0..<1).contains(probability) else { fail("Dropout", "probability must be in [0, 1), got \(probability)") }
        self.probability = probability
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return input * dropoutMask(shape: input.shape, probability: probability)
    }
}

/// Zeroes whole channels: each `[height, width]` plane of an `[batch, channels, height, width]`
/// input is dropped with probability `probability` during training (PyTorch's `Dropout2d`),
/// and the kept ones scaled by `1 / (1 - probability)`.
public final class Dropout2D: Module {
    /// The probability that an element (a whole channel, for `Dropout2D`) is zeroed in training mode.
    public let probability: Float
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// Dropout with `probability`; survivors are scaled by `1 / (1 - probability)`.
    public init(probability: Float = 0.5) {
        guard (0..<1).contains(probability) else { fail("Dropout2D", "probability must be in [0, 1), got \(probability)") }
        self.probability = probability
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard input.rank == 4 else { fail("Dropout2D", "expects [batch, channels, height, width], got \(input.shape)") }
        guard isTraining, probability > 0 else { return input }
        let mask = dropoutMask(shape: Array(input.shape.prefix(2)) + [1, 1], probability: probability)
        return input * mask
    }
}

/// A tensor of `shape` holding `0` (probability `probability`) or `1 / (1 - probability)`.
func dropoutMask(shape: [Int], probability: Float) -> Tensor {
    let count = shape.reduce(1, *)
    let keep = 1 / (1 - probability)
    let values = RandomGenerator.withGlobal { generator in
        (0..<count).map { _ in generator.nextUniform() < probability ? Float(0) : keep }
    }
    return Tensor(values, shape: shape)
}
