/// Multi-head self-attention over `[batch, time, width]` (PyTorch's `nn.MultiheadAttention` with
/// `batch_first=True`, query = key = value), optionally causal.
///
/// One input projection makes queries, keys and values for every head at once; the heads run
/// in one fused ``scaledDotProductAttention(query:key:value:mask:isCausal:scale:)`` call; one
/// output projection joins them. Parameter names and layouts are PyTorch's (`in_proj_weight`
/// `[3·width, width]`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`), so weights load
/// from a PyTorch `state_dict`. Like PyTorch, the input projection starts Xavier-uniform and
/// both biases start at zero.
///
/// ```swift
/// let attention = MultiHeadAttention(width: 128, heads: 4, isCausal: true)
/// let y = attention(x)   // [batch, time, 128]
/// ```
public final class MultiHeadAttention: Module {
    /// The model width (PyTorch's `embed_dim`).
    public let width: Int
    /// The number of heads; each sees `width / heads` features.
    public let heads: Int
    /// Whether each position attends only to itself and earlier positions.
    public let isCausal: Bool
    /// `[3·width, width]`: the query, key and value projections stacked, in that order.
    public let inputProjectionWeight: Tensor
    /// `[3·width]`.
    public let inputProjectionBias: Tensor
    /// `width → width`, applied to the joined heads.
    public let outputProjection: Linear
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// Attention with `heads` heads over `width` features; `width` must divide by `heads`.
    public init(width: Int, heads: Int, isCausal: Bool = false) {
        guard heads >= 1, width % heads == 0 else { fail("MultiHeadAttention", "width \(width) does not divide into \(heads) heads") }
        self.width = width
        self.heads = heads
        self.isCausal = isCausal
        inputProjectionWeight = Tensor(parameter: [3 * width, width], initializer: .xavierUniform())
        inputProjectionBias = Tensor(parameter: [3 * width], initializer: .zeros)
        outputProjection = Linear(inFeatures: width, outFeatures: width)
        withoutGradient { Kernels.assign(outputProjection.bias!, from: Tensor(zeros: [width])) }
    }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] {
        [("in_proj_weight", inputProjectionWeight), ("in_proj_bias", inputProjectionBias)]
    }

    /// The output projection, as PyTorch names it.
    public var children: [(String, any Module)] { [("out_proj", outputProjection)] }

    /// Self-attention over `input` `[batch, time, width]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, mask: nil)
    }

    /// Self-attention over `input` `[batch, time, width]`, hiding key positions where `mask`
    /// (broadcast to `[batch, heads, time, time]`, for example `[batch, 1, 1, time]` for padding)
    /// is non-zero.
    public func callAsFunction(_ input: Tensor, mask: Tensor?) -> Tensor {
        guard input.rank == 3, input.shape[2] == width else {
            fail("MultiHeadAttention", "input of shape \(input.shape) is not [batch, time, \(width)]")
        }
        let shape = Kernels.AttentionShape(batch: input.shape[0], time: input.shape[1], heads: heads, depth: width / heads)
        let projected = linear(input, weight: inputProjectionWeight, bias: inputProjectionBias)
        let joined = fusedSelfAttention(projected, shape: shape, mask: mask)
        return outputProjection(joined)
    }

    /// Every head's attention read from the projection `[batch, time, 3·width]` in place (see
    /// `Kernels.selfAttention`): one recorded operation whose pullback gives the projection's
    /// gradient directly.
    private func fusedSelfAttention(_ projected: Tensor, shape: Kernels.AttentionShape, mask: Tensor?) -> Tensor {
        let scale = 1 / Float(shape.depth).squareRoot()
        let hidden = mask.map { $0.broadcasted(to: [shape.batch, shape.heads, shape.time, shape.time]).detached() }
        let source = projected.detached()
        let (output, probabilities) = Kernels.selfAttention(source, shape: shape, scale: scale, causal: isCausal, hidden: hidden)
        return output.recorded("MultiHeadAttention", projected) { gradient, _ in
            [Kernels.selfAttentionBackward(gradient, projection: source, probabilities: probabilities, shape: shape, scale: scale)]
        }
        .annotatingONNX(["heads": [Double(shape.heads)], "causal": [isCausal ? 1 : 0], "masked": [mask == nil ? 0 : 1]])
    }
}
