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
                        Parallel.forEachChunk(count: p.count) { range in
                            for i in range {
                                let parameter = pp[i] * decay
                                let d = pg[i] + coupledDecay * pp[i]
                                let first = pm[i] + oneMinusBeta1 * (d - pm[i])      // PyTorch's lerp_
                                let second = pv[i] * beta2 + oneMinusBeta2 * d * d
                                pm[i] = first
                                pv[i] = second
                                pp[i] = parameter - stepSize * first / (second.squareRoot() / biasCorrection2Root + epsilon)
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
