import Foundation

// Optimizer updates, one pass over each parameter with no temporaries. The arithmetic follows
// PyTorch's single-tensor implementations operation by operation, so results agree to rounding.

extension Kernels {
    /// SGD with momentum, dampening, Nesterov and weight decay (`torch.optim.SGD`).
    /// `buffer` is the momentum buffer; on the first step it is initialized from the gradient.
    static func sgdStep(parameter: Tensor, gradient: Tensor, buffer: Tensor?, firstStep: Bool,
                        learningRate: Float, momentum: Float, dampening: Float, nesterov: Bool, weightDecay: Float) {
        gradient.withElements { g in
            let pg = g.baseAddress!
            parameter.withMutableElements { p in
                let pp = p.baseAddress!
                let update = { (b: UnsafeMutablePointer<Float>?) in
                    for i in 0..<p.count {
                        var d = pg[i]
                        if weightDecay != 0 { d += weightDecay * pp[i] }
                        if let b {
                            b[i] = firstStep ? d : b[i] * momentum + (1 - dampening) * d
                            d = nesterov ? d + momentum * b[i] : b[i]
                        }
                        pp[i] -= learningRate * d
                    }
                }
                if let buffer {
                    buffer.withMutableElements { update($0.baseAddress!) }
                } else {
                    update(nil)
                }
            }
        }
    }

    /// Adam (`torch.optim.Adam`, or `AdamW` when `decoupled`) for step number `step` (from 1).
    static func adamStep(parameter: Tensor, gradient: Tensor, firstMoment: Tensor, secondMoment: Tensor, step: Int,
                         learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, decoupled: Bool) {
        let biasCorrection1 = 1 - Foundation.pow(beta1, Float(step))
        let biasCorrection2 = 1 - Foundation.pow(beta2, Float(step))
        let stepSize = learningRate / biasCorrection1
        let biasCorrection2Root = biasCorrection2.squareRoot()
        let decay = decoupled ? 1 - learningRate * weightDecay : 1
        gradient.withElements { g in
            let pg = g.baseAddress!
            parameter.withMutableElements { p in
                firstMoment.withMutableElements { m in
                    secondMoment.withMutableElements { v in
                        let pp = p.baseAddress!, pm = m.baseAddress!, pv = v.baseAddress!
                        for i in 0..<p.count {
                            var d = pg[i]
                            if decoupled { pp[i] *= decay } else if weightDecay != 0 { d += weightDecay * pp[i] }
                            pm[i] += (1 - beta1) * (d - pm[i])          // PyTorch's lerp_
                            pv[i] = pv[i] * beta2 + (1 - beta2) * d * d
                            let denominator = pv[i].squareRoot() / biasCorrection2Root + epsilon
                            pp[i] -= stepSize * pm[i] / denominator
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
