import CKernels

// Softmax cross-entropy in CKernels loops at full vector width (the exponentials use the exp
// polynomial), rows split across cores; each row is computed by one task in a fixed order.

extension Kernels {
    /// Rows per task: a row of MNIST's 10 classes is a few dozen operations.
    private static let rowsPerTask = 256

    /// Per-row softmax cross-entropy of `logits` `[rows, classes]` against class indices, with
    /// label smoothing `smoothing`: the loss of each row, and each row's log-sum-exp (kept for
    /// the pullback).
    /// Rows whose label is `ignored` get loss 0 (and gradient 0 in the pullback).
    static func crossEntropy(_ logits: Tensor, labels: [Int32], smoothing: Float, ignored: Int32? = nil) -> (losses: Tensor, logSumExp: [Float]) {
        let rows = logits.shape[0], classes = logits.shape[1]
        let losses = Tensor(uninitializedShape: [rows])
        var logSumExp = [Float](repeating: 0, count: rows)
        let out = losses.storage.base
        logits.withElements { elements in
            labels.withUnsafeBufferPointer { labelBuffer in
                logSumExp.withUnsafeMutableBufferPointer { lseBuffer in
                    let x = elements.baseAddress!, label = labelBuffer.baseAddress!, lse = lseBuffer.baseAddress!
                    Parallel.forEachChunk(count: rows, minimumChunk: rowsPerTask) { range in
                        let first = range.lowerBound
                        swifttrain_cross_entropy(x + first * classes, label + first, range.count, classes, smoothing,
                                                 ignored == nil ? 0 : 1, ignored ?? 0, out + first, lse + first)
                    }
                }
            }
        }
        return (losses, logSumExp)
    }

    /// The pullback of `crossEntropy`: `(softmax(z) - smoothed one-hot) · upstream[row]`.
    static func crossEntropyBackward(_ logits: Tensor, labels: [Int32], logSumExp: [Float], smoothing: Float,
                                     ignored: Int32? = nil, upstream: Tensor) -> Tensor {
        let rows = logits.shape[0], classes = logits.shape[1]
        let result = Tensor(uninitializedShape: logits.shape)
        let out = result.storage.base
        logits.withElements { elements in
            upstream.withElements { g in
                labels.withUnsafeBufferPointer { labelBuffer in
                    logSumExp.withUnsafeBufferPointer { lseBuffer in
                        let x = elements.baseAddress!, label = labelBuffer.baseAddress!, lse = lseBuffer.baseAddress!
                        let step = g.count == 1 ? 0 : 1
                        Parallel.forEachChunk(count: rows, minimumChunk: rowsPerTask) { range in
                            let first = range.lowerBound
                            swifttrain_cross_entropy_backward(x + first * classes, label + first, lse + first, g.baseAddress! + first * step,
                                                              Int32(step), range.count, classes, smoothing, ignored == nil ? 0 : 1,
                                                              ignored ?? 0, out + first * classes)
                        }
                    }
                }
            }
        }
        return result
    }
}
