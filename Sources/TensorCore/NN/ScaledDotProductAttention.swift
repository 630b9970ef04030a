/// `softmax(q·kᵀ·scale + mask)·v` over the last two axes, batched over leading axes (heads and
/// batch), as one recorded operation with its own backward (PyTorch's
/// `scaled_dot_product_attention`).
///
/// `query` is `[..., queries, depth]`, `key` `[..., keys, depth]` and `value`
/// `[..., keys, valueDepth]`; the result is `[..., queries, valueDepth]`. The scale defaults to
/// `1/√depth`. With `isCausal`, query `i` attends to keys up to its own position (the last
/// query to the last key). `mask`, broadcast to `[..., queries, keys]`, hides positions where it
/// is non-zero (a padding mask).
///
/// The forward pass keeps only the probabilities for backward, and the backward pass is four
/// batched BLAS products and one softmax pullback: no chain of generic operations is recorded.
///
/// ```swift
/// let y = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)   // [b, h, t, d]
/// ```
/// - Complexity: O(queries · keys · depth) per batch entry, with `queries · keys` floats kept for backward.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                      isCausal: Bool = false, scale: Float? = nil) -> Tensor {
    guard query.rank >= 2, key.rank == query.rank, value.rank == query.rank,
          query.shape.dropLast(2) == key.shape.dropLast(2), key.shape.dropLast() == value.shape.dropLast(),
          query.shape.last == key.shape.last else {
        fail("scaledDotProductAttention", "query \(query.shape), key \(key.shape) and value \(value.shape) do not fit [..., queries, depth], [..., keys, depth], [..., keys, valueDepth]")
    }
    let depth = query.shape[query.rank - 1]
    let factor = scale ?? 1 / Float(depth).squareRoot()
    let (q, k, v) = (query.detached(), key.detached(), value.detached())
    var scores = withoutGradient { matmul(q, k.transposed()) }
    if let mask {
        scores = withoutGradient { scores.maskedFill(where: mask, with: -.infinity) }
    }
    let probabilities = Kernels.attentionSoftmax(scores, scale: factor, causal: isCausal)
    let output = withoutGradient { matmul(probabilities, v) }
    let keys = key.shape[key.rank - 2]
    let lanes = probabilities.scalarCount / Swift.max(keys, 1)
    return output.recorded("scaledDotProductAttention", query, key, value) { gradient, _ in
        let gradientValue = matmul(probabilities.transposed(), gradient)
        let gradientProbabilities = matmul(gradient, v.transposed())
        let gradientScores = Kernels.softmaxBackward(gradientProbabilities, output: probabilities, outer: lanes,
                                                     length: keys, inner: 1, logarithm: false) * factor
        return [matmul(gradientScores, k), matmul(gradientScores.transposed(), q), gradientValue]
    }
}
