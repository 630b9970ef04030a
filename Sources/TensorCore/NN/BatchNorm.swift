/// Batch normalization over the channel axis (axis 1) of `[batch, channels, ...]` inputs, shared
/// by ``BatchNorm1D`` and ``BatchNorm2D``. A composite: its gradient comes from the primitives.
///
/// In training mode each channel is normalized with the batch's mean and (biased) variance, and
/// the running statistics move toward the batch's (the variance with Bessel's correction) by
/// `momentum`; in evaluation mode the running statistics are used. As PyTorch.
public class BatchNormalization: Module {
    /// Learned scale, `[channels]`, initialized to ones.
    public let weight: Tensor
    /// Learned shift, `[channels]`, initialized to zeros.
    public let bias: Tensor
    /// Running mean per channel, initialized to zeros.
    public let runningMean: Tensor
    /// Running variance per channel, initialized to ones.
    public let runningVariance: Tensor
    /// How many training batches updated the running statistics (a buffer, as PyTorch's).
    public let batchesTracked: Tensor
    /// Added to the variance before the square root, for stability.
    public let epsilon: Float
    /// How far the running statistics move toward each batch's.
    public let momentum: Float
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    private let expectedRanks: Set<Int>
    private let name: String

    init(channels: Int, epsilon: Float, momentum: Float, expectedRanks: Set<Int>, name: String) {
        weight = Tensor(ones: [channels])
        bias = Tensor(zeros: [channels])
        weight.requiresGradient = true
        bias.requiresGradient = true
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(ones: [channels])
        batchesTracked = Tensor(zeros: [])
        self.epsilon = epsilon
        self.momentum = momentum
        self.expectedRanks = expectedRanks
        self.name = name
    }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
    /// The layer's own buffers (saved, not trained) with their PyTorch names.
    public var ownBuffers: [(String, Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let channels = weight.shape[0]
        guard expectedRanks.contains(input.rank), input.shape[1] == channels else {
            fail(name, "expects \(channels) channels in an input of rank \(expectedRanks.sorted()), got \(input.shape)")
        }
        // Shape that broadcasts a per-channel vector against the input.
        let channelShape = [1, channels] + [Int](repeating: 1, count: input.rank - 2)
        let axes = [0] + Array(2..<input.rank)
        let mean: Tensor, variance: Tensor
        if isTraining {
            let count = input.scalarCount / channels
            guard count > 1 else {
                // Depends on the data (a last batch of one): thrown by the engine after the step.
                reportDataError(name, "needs more than one value per channel in training mode, got \(input.shape)")
                return input
            }
            mean = input.mean(alongAxes: axes, keepingDimensions: true)
            variance = input.variance(alongAxes: axes, correction: 0, keepingDimensions: true)
            withoutGradient {
                let unbiased = variance.reshaped(to: [channels]) * (Float(count) / Float(count - 1))
                runningMean.assign((1 - momentum) * runningMean + momentum * mean.reshaped(to: [channels]))
                runningVariance.assign((1 - momentum) * runningVariance + momentum * unbiased)
                batchesTracked.assign(batchesTracked + 1)
            }
        } else {
            mean = runningMean.reshaped(to: channelShape)
            variance = runningVariance.reshaped(to: channelShape)
        }
        let normalized = (input - mean) / sqrt(variance + epsilon)
        return normalized * weight.reshaped(to: channelShape) + bias.reshaped(to: channelShape)
    }
}

/// Batch normalization of `[batch, features]` or `[batch, channels, length]` inputs.
///
/// ```swift
/// let norm = BatchNorm1D(features: 256)
/// ```
public final class BatchNorm1D: BatchNormalization {
    /// Batch normalization of `features` channels (PyTorch's `num_features`).
    public init(features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        super.init(channels: features, epsilon: epsilon, momentum: momentum, expectedRanks: [2, 3], name: "BatchNorm1D")
    }
}

/// Batch normalization of `[batch, channels, height, width]` inputs.
public final class BatchNorm2D: BatchNormalization {
    /// Batch normalization of `features` channels (PyTorch's `num_features`).
    public init(features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        super.init(channels: features, epsilon: epsilon, momentum: momentum, expectedRanks: [4], name: "BatchNorm2D")
    }
}
