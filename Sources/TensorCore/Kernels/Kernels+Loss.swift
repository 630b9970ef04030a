import Foundation

extension Kernels {
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
            let x = elements.baseAddress!
            for row in 0..<rows {
                if labels[row] == ignored { out[row] = 0; continue }
                let z = x + row * classes
                var maximum = -Float.infinity
                for c in 0..<classes { maximum = Swift.max(maximum, z[c]) }
                var total: Float = 0, sum: Float = 0
                for c in 0..<classes { total += Foundation.exp(z[c] - maximum); sum += z[c] }
                let lse = maximum + Foundation.log(total)
                logSumExp[row] = lse
                let target = z[Int(labels[row])]
                out[row] = lse - (1 - smoothing) * target - smoothing / Float(classes) * sum
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
        let uniform = smoothing / Float(classes)
        logits.withElements { elements in
            upstream.withElements { g in
                let x = elements.baseAddress!, scale = g.baseAddress!
                let broadcastUpstream = g.count == 1
                for row in 0..<rows {
                    let z = x + row * classes, d = out + row * classes
                    if labels[row] == ignored { d.update(repeating: 0, count: classes); continue }
                    let factor = broadcastUpstream ? scale[0] : scale[row]
                    for c in 0..<classes { d[c] = (Foundation.exp(z[c] - logSumExp[row]) - uniform) * factor }
                    d[Int(labels[row])] -= (1 - smoothing) * factor
                }
            }
        }
        return result
    }
}
