import CKernels
import Foundation

// Softmax and log-softmax along one axis of a tensor viewed as [outer, length, inner], with
// their pullbacks. Rows along the axis are strided by `inner`; the loops keep `inner`
// innermost so that the common case (the last axis, inner = 1) reads contiguous memory.

extension Kernels {
    /// `softmax` (or `log-softmax` when `logarithm`) of `x` along its middle axis.
    static func softmax(_ x: Tensor, outer: Int, length: Int, inner: Int, logarithm: Bool) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        x.withElements { elements in
            let source = elements.baseAddress!, destination = result.storage.base
            Parallel.forEachChunk(count: outer * inner, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(length, 1))) { lanes in
                for lane in lanes {
                    let base = (lane / inner) * length * inner + lane % inner
                    let s = source + base, d = destination + base
                    if inner == 1 {
                        // Contiguous rows (the last axis): vectorized exponentials (CKernels).
                        var total: Float = 0
                        let maximum = swifttrain_softmax_exponentials(s, d, length, 1, &total)
                        if logarithm {
                            let shift = maximum + Foundation.log(total)
                            for i in 0..<length { d[i] = s[i] - shift }
                        } else {
                            swifttrain_scale_row(d, length, 1 / total)
                        }
                        continue
                    }
                    var maximum = -Float.infinity
                    for i in 0..<length { maximum = Swift.max(maximum, s[i * inner]) }
                    if maximum == -.infinity { maximum = 0 }  // a fully masked row gives NaN, as in PyTorch
                    var total: Float = 0
                    for i in 0..<length {
                        let e = Foundation.exp(s[i * inner] - maximum)
                        d[i * inner] = e
                        total += e
                    }
                    if logarithm {
                        let shift = maximum + Foundation.log(total)
                        for i in 0..<length { d[i * inner] = s[i * inner] - shift }
                    } else {
                        let scale = 1 / total
                        for i in 0..<length { d[i * inner] *= scale }
                    }
                }
            }
        }
        return result
    }

    /// The pullback of `softmax`: `y·(g - Σ g·y)` for softmax and `g - softmax·Σ g` for
    /// log-softmax, where `y` is the forward output.
    static func softmaxBackward(_ gradient: Tensor, output: Tensor, outer: Int, length: Int, inner: Int, logarithm: Bool) -> Tensor {
        let result = Tensor(uninitializedShape: output.shape)
        gradient.withElements { gradientElements in
            output.withElements { outputElements in
                let g = gradientElements.baseAddress!, y = outputElements.baseAddress!, d = result.storage.base
                Parallel.forEachChunk(count: outer * inner, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(length, 1))) { lanes in
                    for lane in lanes {
                        let base = (lane / inner) * length * inner + lane % inner
                        var total: Float = 0
                        if logarithm {
                            for i in 0..<length { total += g[base + i * inner] }
                            for i in 0..<length {
                                let at = base + i * inner
                                d[at] = g[at] - Foundation.exp(y[at]) * total
                            }
                        } else {
                            for i in 0..<length { total += g[base + i * inner] * y[base + i * inner] }
                            for i in 0..<length {
                                let at = base + i * inner
                                d[at] = y[at] * (g[at] - total)
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

extension Kernels {
    /// Attention probabilities from raw scores `[n, queries, keys]`: each score times `scale`,
    /// positions after the query's own (when `causal`, query `i` sees keys `0...i + keys - queries`)
    /// left out, then softmax along the keys. Masked positions come out exactly 0.
    static func attentionSoftmax(_ scores: Tensor, scale: Float, causal: Bool) -> Tensor {
        let queries = scores.shape[scores.rank - 2], keys = scores.shape[scores.rank - 1]
        let result = Tensor(uninitializedShape: scores.shape)
        scores.withElements { elements in
            result.storage.base.update(from: elements.baseAddress!, count: elements.count)
        }
        attentionSoftmaxRows(result.storage.base, rows: scores.scalarCount / Swift.max(keys, 1), queries: queries, keys: keys,
                             scale: scale, causal: causal)
        return result
    }
}
