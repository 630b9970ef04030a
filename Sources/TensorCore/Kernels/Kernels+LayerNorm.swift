import CKernels

// Layer normalization over the last axis through the CKernels loops (vectorized along the
// features at the active instruction set). The forward pass splits rows across cores; the
// backward pass runs the rows in order, because the gain and bias gradients sum over them.

extension Kernels {
    /// `(x - mean)·rstd·gain + bias` per row of `x` viewed as `[rows, features]`; also returns
    /// each row's mean and reciprocal standard deviation for the pullback.
    static func layerNorm(_ x: Tensor, gain: Tensor?, bias: Tensor?, features: Int, epsilon: Float)
        -> (output: Tensor, mean: [Float], reciprocalDeviation: [Float]) {
        let rows = x.scalarCount / Swift.max(features, 1)
        let output = Tensor(uninitializedShape: x.shape)
        var means = [Float](repeating: 0, count: rows), reciprocals = [Float](repeating: 0, count: rows)
        withOptionalElements(gain) { g in
            withOptionalElements(bias) { b in
                x.withElements { elements in
                    means.withUnsafeMutableBufferPointer { meanBuffer in
                        reciprocals.withUnsafeMutableBufferPointer { reciprocalBuffer in
                            let source = elements.baseAddress!, destination = output.storage.base
                            let meanOut = meanBuffer.baseAddress!, reciprocalOut = reciprocalBuffer.baseAddress!
                            Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(features, 1))) { chunk in
                                let start = chunk.lowerBound
                                swifttrain_layer_norm(source + start * features, g, b, destination + start * features,
                                                      meanOut + start, reciprocalOut + start, chunk.count, features, epsilon)
                            }
                        }
                    }
                }
            }
        }
        return (output, means, reciprocals)
    }

    /// The pullback of `layerNorm`: gradients of the input, the gain and the bias.
    static func layerNormBackward(_ gradient: Tensor, input: Tensor, gain: Tensor?, features: Int,
                                  mean: [Float], reciprocalDeviation: [Float]) -> (input: Tensor, gain: Tensor, bias: Tensor) {
        let rows = input.scalarCount / Swift.max(features, 1)
        let inputGradient = Tensor(uninitializedShape: input.shape)
        let gainGradient = Tensor(zeros: [features]), biasGradient = Tensor(zeros: [features])
        withOptionalElements(gain) { g in
            gradient.withElements { gradientElements in
                input.withElements { inputElements in
                    swifttrain_layer_norm_backward(gradientElements.baseAddress!, inputElements.baseAddress!, g, mean, reciprocalDeviation,
                                                   inputGradient.storage.base, gainGradient.storage.base, biasGradient.storage.base,
                                                   rows, features)
                }
            }
        }
        return (inputGradient, gainGradient, biasGradient)
    }

    /// Calls `body` with the elements of `tensor`, or with `nil` (an optional bias or gain).
    static func withOptionalElements<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let tensor else { return body(nil) }
        return tensor.withElements { body($0.baseAddress) }
    }
}
