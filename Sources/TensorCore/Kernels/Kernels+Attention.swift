import CKernels
import Foundation

// Multi-head self-attention read straight from the input projection's output `[batch, time,
// 3·width]` (queries, keys, values side by side, each split into heads along the width): every
// head's products go to BLAS with the row stride of that layout, so no head is ever copied
// into a `[batch, heads, time, depth]` tensor and back, forward or backward.

extension Kernels {
    /// The layout of one fused self-attention call.
    struct AttentionShape {
        let batch: Int, time: Int, heads: Int, depth: Int
        var width: Int { heads * depth }
        /// Elements between consecutive positions of the projection `[batch, time, 3·width]`.
        var projectionStride: Int { 3 * width }
        /// Offset of head `head`'s queries (part 0), keys (1) or values (2) of sample `sample`.
        func offset(sample: Int, part: Int, head: Int) -> Int { sample * time * projectionStride + part * width + head * depth }
        /// Offset of head `head`'s columns in a `[batch, time, width]` tensor.
        func outputOffset(sample: Int, head: Int) -> Int { sample * time * width + head * depth }
    }

    /// Attention of every head: the output `[batch, time, width]` and the probabilities
    /// `[batch, heads, time, time]` that backward needs. `hidden`, when given, is
    /// `[batch, heads, time, time]` and non-zero where a key is hidden from a query.
    static func selfAttention(_ projection: Tensor, shape: AttentionShape, scale: Float, causal: Bool,
                              hidden: Tensor?) -> (output: Tensor, probabilities: Tensor) {
        let t = shape.time
        let output = Tensor(uninitializedShape: [shape.batch, t, shape.width])
        let probabilities = Tensor(uninitializedShape: [shape.batch, shape.heads, t, t])
        let hiddenValues = hidden?.scalars
        projection.withElements { elements in
            let qkv = elements.baseAddress!, p = probabilities.storage.base, o = output.storage.base
            // Each (sample, head) pair is independent and writes its own block and columns, so the
            // pairs are split across cores; each BLAS call is small enough to run single-threaded.
            forEachHead(shape) { sample, head in
                let block = (sample * shape.heads + head) * t * t
                gemm(operand(qkv + shape.offset(sample: sample, part: 0, head: head), shape.projectionStride),
                     operand(qkv + shape.offset(sample: sample, part: 1, head: head), shape.projectionStride, transposed: true),
                     into: p + block, m: t, n: t, k: shape.depth)
                if let hiddenValues {
                    for i in 0..<(t * t) where hiddenValues[block + i] != 0 { p[block + i] = -.infinity }
                }
                attentionSoftmaxRows(p + block, rows: t, queries: t, keys: t, scale: scale, causal: causal, parallel: false)
                gemm(operand(p + block, t),
                     operand(qkv + shape.offset(sample: sample, part: 2, head: head), shape.projectionStride),
                     into: o + shape.outputOffset(sample: sample, head: head), m: t, n: shape.depth, k: t,
                     resultLeadingDimension: shape.width)
            }
        }
        return (output, probabilities)
    }

    /// The pullback of `selfAttention`: the gradient of the projection `[batch, time, 3·width]`.
    static func selfAttentionBackward(_ gradient: Tensor, projection: Tensor, probabilities: Tensor,
                                      shape: AttentionShape, scale: Float) -> Tensor {
        let t = shape.time
        let result = Tensor(uninitializedShape: projection.shape)
        let scores = Tensor(uninitializedShape: [shape.batch, shape.heads, t, t])
        gradient.withElements { gradientElements in
            projection.withElements { projectionElements in
                let g = gradientElements.baseAddress!, qkv = projectionElements.baseAddress!
                let p = UnsafePointer(probabilities.storage.base), d = result.storage.base, ds = scores.storage.base
                forEachHead(shape) { sample, head in
                    let block = (sample * shape.heads + head) * t * t
                    let upstream = operand(g + shape.outputOffset(sample: sample, head: head), shape.width)
                    // dV = Pᵀ·dO, straight into the value columns of the result.
                    gemm(operand(p + block, t, transposed: true), upstream,
                         into: d + shape.offset(sample: sample, part: 2, head: head), m: t, n: shape.depth, k: t,
                         resultLeadingDimension: shape.projectionStride)
                    // dP = dO·Vᵀ, then dS = P ⊙ (dP − Σ dP⊙P) · scale in place.
                    gemm(upstream, operand(qkv + shape.offset(sample: sample, part: 2, head: head), shape.projectionStride, transposed: true),
                         into: ds + block, m: t, n: t, k: shape.depth)
                    softmaxBackwardRows(ds + block, probabilities: p + block, rows: t, length: t, scale: scale, parallel: false)
                    // dQ = dS·K and dK = dSᵀ·Q.
                    gemm(operand(ds + block, t),
                         operand(qkv + shape.offset(sample: sample, part: 1, head: head), shape.projectionStride),
                         into: d + shape.offset(sample: sample, part: 0, head: head), m: t, n: shape.depth, k: t,
                         resultLeadingDimension: shape.projectionStride)
                    gemm(operand(ds + block, t, transposed: true),
                         operand(qkv + shape.offset(sample: sample, part: 0, head: head), shape.projectionStride),
                         into: d + shape.offset(sample: sample, part: 1, head: head), m: t, n: shape.depth, k: t,
                         resultLeadingDimension: shape.projectionStride)
                }
            }
        }
        return result
    }

    /// Runs `body` for every (sample, head) pair, the pairs split across cores.
    private static func forEachHead(_ shape: AttentionShape, _ body: (_ sample: Int, _ head: Int) -> Void) {
        let pairs = shape.batch * shape.heads
        // About 4·t²·depth flops per pair: enough work per task once a few pairs are grouped.
        Parallel.forEachChunk(count: pairs, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(shape.time * shape.time, 1))) { chunk in
            for pair in chunk { body(pair / shape.heads, pair % shape.heads) }
        }
    }

    private static func operand(_ base: UnsafePointer<Float>, _ leadingDimension: Int, transposed: Bool = false) -> MatrixOperand {
        MatrixOperand(base: base, transposed: transposed, leadingDimension: leadingDimension, batchStride: 0)
    }

    private static func operand(_ base: UnsafeMutablePointer<Float>, _ leadingDimension: Int, transposed: Bool = false) -> MatrixOperand {
        operand(UnsafePointer(base), leadingDimension, transposed: transposed)
    }

    /// Softmax of `rows` rows of `keys` scores in place, each score times `scale`; with `causal`,
    /// row `i` of each `queries`-row block sees keys up to `i + keys - queries` and the rest
    /// become exactly 0.
    static func attentionSoftmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, queries: Int, keys: Int, scale: Float, causal: Bool,
                                     parallel: Bool = true) {
        let minimum = parallel ? Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(keys, 1)) : Int.max
        Parallel.forEachChunk(count: rows, minimumChunk: minimum) { chunk in
            for row in chunk {
                let d = p + row * keys
                let visible = causal ? Swift.min(keys, Swift.max(0, row % queries + 1 + keys - queries)) : keys
                // Vectorized exponentials and fixed-lane sums (CKernels).
                var total: Float = 0
                _ = swifttrain_softmax_exponentials(d, d, visible, scale, &total)
                swifttrain_scale_row(d, visible, 1 / total)
                for i in visible..<keys { d[i] = 0 }
            }
        }
    }

    /// `g ← y ⊙ (g − Σ g⊙y) · scale` per row of `length`, in place over `g`.
    static func softmaxBackwardRows(_ g: UnsafeMutablePointer<Float>, probabilities y: UnsafePointer<Float>, rows: Int, length: Int, scale: Float,
                                    parallel: Bool = true) {
        let minimum = parallel ? Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(length, 1)) : Int.max
        Parallel.forEachChunk(count: rows, minimumChunk: minimum) { chunk in
            for row in chunk {
                let gr = g + row * length, yr = y + row * length
                var total: Float = 0
                for i in 0..<length { total += gr[i] * yr[i] }
                for i in 0..<length { gr[i] = yr[i] * (gr[i] - total) * scale }
            }
        }
    }
}
