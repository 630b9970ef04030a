// MARK: - Matrix products

/// The matrix product of `a` and `b` over their last two axes, batched over leading axes.
///
/// `a` is `[m, k]` or `[batch..., m, k]`; `b` is `[k, n]` or `[batch..., k, n]`. Batch axes
/// broadcast against each other (PyTorch's rule); a plain matrix on either side is used for
/// every batch entry without being copied.
/// Every product runs in BLAS (`cblas_sgemm`); transposed views are passed as BLAS's transpose
/// flag, never copied, including in the pullback.
///
/// ```swift
/// let logits = matmul(images, weight.transposed()) + bias   // [64, 784] x [784, 10]
/// ```
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    guard a.rank >= 2, b.rank >= 2 else {
        fail("matmul", "needs at least 2 dimensions on each side, got shapes \(a.shape) and \(b.shape)")
    }
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
    let n = b.shape[b.rank - 1]
    guard b.shape[b.rank - 2] == k else {
        fail("matmul", "shapes \(a.shape) and \(b.shape) are incompatible (inner dimensions \(k) and \(b.shape[b.rank - 2]) differ)")
    }
    let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
    if batchA != batchB, !batchA.isEmpty, !batchB.isEmpty {
        // Leading axes broadcast as in elementwise operations ([b, h, t, d] with [h, d, t]);
        // the broadcasts' own pullbacks sum the gradients back to each operand's shape.
        let batch = broadcastShape(batchA, batchB, operation: "matmul")
        return matmul(a.broadcasted(to: batch + [m, k]), b.broadcasted(to: batch + [k, n]))
    }
    let batchShape = batchA.isEmpty ? batchB : batchA
    // A batched matrix on the right with a plain matrix on the left: loop the plain one.
    let result = Kernels.matmul(a, b, resultShape: batchShape + [m, n], batch: batchShape.reduce(1, *), m: m, n: n, k: k)
    return result.recorded("matmul", a, b) { gradient, _ in
        var gradientA = matmul(gradient, b.transposed())
        var gradientB: Tensor
        if b.rank == 2 && a.rank > 2 {
            // One matrix served the whole batch: its gradient sums over the batch, which is a
            // single product of the batch-folded operands.
            gradientB = matmul(a.reshaped(to: [-1, k]).transposed(), gradient.reshaped(to: [-1, n]))
        } else {
            gradientB = matmul(a.transposed(), gradient)
        }
        if a.rank == 2 && b.rank > 2 { gradientA = gradientA.sum(alongAxes: Array(0..<(b.rank - 2))) }
        if gradientB.shape != b.shape { gradientB = gradientB.reshaped(to: b.shape) }
        return [gradientA, gradientB]
    }
}
