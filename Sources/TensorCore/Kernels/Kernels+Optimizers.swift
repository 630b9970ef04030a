import CKernels
import Foundation

// Optimizer updates, one pass over each parameter with no temporaries. The arithmetic follows
// PyTorch's single-tensor implementations operation by operation, so results agree to rounding.

extension Kernels {
    /// SGD with momentum, dampening, Nesterov and weight decay (`torch.optim.SGD`).
    /// `buffer` is the momentum buffer; on the first step it is initialized from the gradient.
    ///
    /// Every element is independent: the elements are split across cores, and each chunk runs the
    /// CKernels loop compiled for the best instruction set (``InstructionSet/active``).
    static func sgdStep(parameter: Tensor, gradient: Tensor, buffer: Tensor?, firstStep: Bool,
                        learningRate: Float, momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float) {
        gradient.withElements { g in
            let pg = g.baseAddress!
            parameter.withMutableElements { p in
                let pp = p.baseAddress!
                guard let buffer else {
                    Parallel.forEachChunk(count: p.count) { range in
                        swifttrain_sgd(pp + range.lowerBound, pg + range.lowerBound, range.count, learningRate, weightDecay)
                    }
                    return
                }
                // b = keep·b + take·d: on the first step keep 0 and take 1 (b starts as d).
                let keep: Float = firstStep ? 0 : momentum, take: Float = firstStep ? 1 : 1 - dampening
                buffer.withMutableElements { b in
                    let pb = b.baseAddress!
                    Parallel.forEachChunk(count: p.count) { range in
                        swifttrain_sgd_momentum(pp + range.lowerBound, pg + range.lowerBound, pb + range.lowerBound, range.count,
                                                learningRate, weightDecay, keep, take, nesterov ? 1 : 0, momentum)
                    }
                }
            }
        }
    }

    /// Adam (`torch.optim.Adam`, or `AdamW` when `decoupled`) for step number `step` (from 1).
    /// Split across cores and vectorized at the active instruction set, like `sgdStep`.
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
                            let start = range.lowerBound
                            swifttrain_adam(pp + start, pg + start, pm + start, pv + start, range.count, coupledDecay, decay,
                                            oneMinusBeta1, beta2, oneMinusBeta2, stepSize, biasCorrection2Root, epsilon)
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
