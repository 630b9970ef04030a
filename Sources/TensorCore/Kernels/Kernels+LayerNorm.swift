// Layer normalization over the last axis: one pass for the statistics and the output, one for
// the three gradients. Rows are independent and split across cores.

extension Kernels {
    /// `(x - mean)·rstd·gain + bias` per row of `x` viewed as `[rows, features]`; also returns
    /// each row's mean and reciprocal standard deviation for the pullback.
    static func layerNorm(_ x: Tensor, gain: Tensor?, bias: Tensor?, features: Int, epsilon: Float)
        -> (output: Tensor, mean: [Float], reciprocalDeviation: [Float]) {
        let rows = x.scalarCount / Swift.max(features, 1)
        let output = Tensor(uninitializedShape: x.shape)
        var means = [Float](repeating: 0, count: rows), reciprocals = [Float](repeating: 0, count: rows)
        let gainValues = gain?.scalars, biasValues = bias?.scalars
        x.withElements { elements in
            means.withUnsafeMutableBufferPointer { meanBuffer in
                reciprocals.withUnsafeMutableBufferPointer { reciprocalBuffer in
                    let source = elements.baseAddress!, destination = output.storage.base
                    let meanOut = meanBuffer.baseAddress!, reciprocalOut = reciprocalBuffer.baseAddress!
                    Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(features, 1))) { chunk in
                        for row in chunk {
                            let s = source + row * features, d = destination + row * features
                            var sum: Float = 0
                            for i in 0..<features { sum += s[i] }
                            let mean = sum / Float(features)
                            var squares: Float = 0
                            for i in 0..<features { let c = s[i] - mean; squares += c * c }
                            let reciprocal = 1 / (squares / Float(features) + epsilon).squareRoot()
                            meanOut[row] = mean
                            reciprocalOut[row] = reciprocal
                            for i in 0..<features {
                                let normalized = (s[i] - mean) * reciprocal
                                d[i] = normalized * (gainValues?[i] ?? 1) + (biasValues?[i] ?? 0)
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
        let gainValues = gain?.scalars
        gradient.withElements { gradientElements in
            input.withElements { inputElements in
                let g = gradientElements.baseAddress!, x = inputElements.baseAddress!
                let dx = inputGradient.storage.base, dGain = gainGradient.storage.base, dBias = biasGradient.storage.base
                // Serial over rows: the gain and bias gradients sum over every row, and a fixed
                // order keeps runs bit-identical.
                for row in 0..<rows {
                    let gr = g + row * features, xr = x + row * features, d = dx + row * features
                    let mu = mean[row], r = reciprocalDeviation[row]
                    var sumDy: Float = 0, sumDyXhat: Float = 0
                    for i in 0..<features {
                        let xhat = (xr[i] - mu) * r
                        let dy = gr[i] * (gainValues?[i] ?? 1)
                        sumDy += dy
                        sumDyXhat += dy * xhat
                        dGain[i] += gr[i] * xhat
                        dBias[i] += gr[i]
                    }
                    let meanDy = sumDy / Float(features), meanDyXhat = sumDyXhat / Float(features)
                    for i in 0..<features {
                        let xhat = (xr[i] - mu) * r
                        d[i] = r * (gr[i] * (gainValues?[i] ?? 1) - meanDy - xhat * meanDyXhat)
                    }
                }
            }
        }
        return (inputGradient, gainGradient, biasGradient)
    }
}
