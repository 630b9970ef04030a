import Foundation

// Optimizer updates, one pass over each parameter with no temporaries. The arithmetic follows
// PyTorch's single-tensor implementations operation by operation, so results agree to rounding.

extension Kernels {
    /// SGD with momentum, dampening, Nesterov and weight decay (`torch.optim.SGD`).
    /// `buffer` is the momentum buffer; on the first step it is initialized from the gradient.
    ///
    /// Every element is independent: the loops are branch-free (settings become multipliers) so
    /// they vectorize, and the elements are split across cores.
    static func sgdStep(parameter: Tensor, gradient: Tensor, buffer: Tensor?, firstStep: Bool,
                        learningRate: Float, momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float) {
        gradient.withElements { g in
            let pg = g.baseAddress!
            parameter.withMutableElements { p in
                let pp = p.baseAddress!
                guard let buffer else {
                    Parallel.forEachChunk(count: p.count) { range in
                        for i in range { pp[i] -= learningRate * (pg[i] + weightDecay * pp[i]) }
                    }
                    return
                }
                // b = keep·b + take·d: on the first step keep 0 and take 1 (b starts as d).
                let keep: Float = firstStep ? 0 : momentum, take: Float = firstStep ? 1 : 1 - dampening
                let ahead: Float = nesterov ? momentum : 0, direct: Float = nesterov ? 1 : 0
                buffer.withMutableElements { b in
                    let pb = b.baseAddress!
                    Parallel.forEachChunk(count: p.count) { range in
                        for i in range {
                            let d = pg[i] + weightDecay * pp[i]
                            let next = pb[i] * keep + take * d
                            pb[i] = next
                            // Nesterov: d + momentum·b; plain momentum: b.
                            pp[i] -= learningRate * (nesterov ? direct * d + ahead * next : next)
                        }
                    }
                }
            }
        }
    }

    /// Adam (`torch.optim.Adam`, or `AdamW` when `decoupled`) for step number `step` (from 1).
    /// Branch-free, vectorized and split across cores like `sgdStep`.
    static func adamStep(parameter: Tensor, gradient: Tensor, firstMoment: Tensor, secondMoment: Tensor, step: Int,
                         learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool) {
        let biasCorrection1 = 1 - Foundation.pow(beta1, Float(step))
        let biasCorrection2 = 1 - Foundation.pow(beta2, Float(step))
        let stepSize = learningRate / biasCorrection1
        let biasCorrection2Root = biasCorrection2.squareRoot()
        let decay: Float = decoupled ? 1 - learningRate * weightDecay : 1
        let coupledDecay: Float = decoupled ? 0 : weightDecay
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        gradient.withElements { g in
            let pg = g.baseAddress!
            parameter.withMutableElements { p in
                firstMoment.withMutableElements { m in
                    secondMoment.withMutableElements { v in
                        let pp = p.baseAddress!, pm = m.baseAddress!, pv = v.baseAddress!
                        // The same arithmetic on 16 lanes at a time (the compiler did not vectorize
                        // the scalar loop: it cannot prove the four buffers apart), then a scalar tail.
                        @inline(__always) func update<V: SIMD>(_ p: V, _ g: V, _ m: V, _ v: V) -> (V, V, V) where V.Scalar == Float {
                            let d = g + coupledDecay * p
                            let first = m + oneMinusBeta1 * (d - m)               // PyTorch's lerp_
                            let second = v * beta2 + oneMinusBeta2 * d * d
                            return (p * decay - stepSize * first / (second.squareRoot() / biasCorrection2Root + epsilon), first, second)
                        }
                        Parallel.forEachChunk(count: p.count) { range in
                            var i = range.lowerBound
                            while i + 16 <= range.upperBound {
                                func load(_ base: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
                                    UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
                                }
                                let gradient = UnsafeRawPointer(pg + i).loadUnaligned(as: SIMD16<Float>.self)
                                let (parameter, first, second) = update(load(pp), gradient, load(pm), load(pv))
                                UnsafeMutableRawPointer(pp + i).storeBytes(of: parameter, as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(pm + i).storeBytes(of: first, as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(pv + i).storeBytes(of: second, as: SIMD16<Float>.self)
                                i += 16
                            }
                            while i < range.upperBound {
                                let (parameter, first, second) = update(SIMD2(pp[i], 0), SIMD2(pg[i], 0), SIMD2(pm[i], 0), SIMD2(pv[i], 0))
                                pp[i] = parameter[0]
                                pm[i] = first[0]
                                pv[i] = second[0]
                                i += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The sum of squares of all elements (for gradient norms), accumulated in Double.
    static func sumOfSquares(_ x: Tensor) -> Double {
        x.withElements { elements in
            var total = 0.0
            for value in elements { total += Double(value) * Double(value) }
            return total
        }
    }
}
