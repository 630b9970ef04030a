import Testing
import TensorCore

/// Checks the gradients that autograd computes for `function` at `inputs` against central
/// finite differences.
///
/// The function's output is contracted with fixed random weights into a scalar, so every output
/// element contributes a different upstream gradient (a plain sum would hide errors that cancel).
/// Inputs should keep away from points where `function` is not differentiable (0 for `relu`,
/// `abs`; clamp bounds), since finite differences straddle them.
///
/// ```swift
/// checkGradients(at: [Tensor(randomNormal: [3, 4], seed: 1)]) { x in exp(x[0]) }
/// ```
public func checkGradients(
    at inputs: [Tensor], step: Float = 1e-2, relative: Float = 2e-2, absolute: Float = 2e-3,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor]) -> Tensor
) {
    for input in inputs { input.requiresGradient = true; input.zeroGradient() }
    let probe = function(inputs)
    let weights = Tensor(randomUniform: probe.shape, in: -1...1, seed: 1234)
    let weightValues = weights.scalars
    func objective(_ tensors: [Tensor]) -> Double {
        zip(function(tensors).scalars, weightValues).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    (probe * weights).sum().backward()

    for (position, input) in inputs.enumerated() {
        guard let analytic = input.gradient?.scalars else {
            Issue.record("input \(position) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        #expect(input.gradient?.shape == input.shape, "gradient shape of input \(position)", sourceLocation: sourceLocation)
        let values = input.scalars
        for index in values.indices {
            func evaluated(at value: Float) -> Double {
                var perturbed = values
                perturbed[index] = value
                let replaced = inputs.enumerated().map { $0.offset == position ? Tensor(perturbed, shape: input.shape) : $0.element.detached() }
                return withoutGradient { objective(replaced) }
            }
            let numeric = Float((evaluated(at: values[index] + step) - evaluated(at: values[index] - step)) / Double(2 * step))
            if !isClose(analytic[index], numeric, relative: relative, absolute: absolute) {
                Issue.record("input \(position) element \(index): autograd \(analytic[index]) vs finite difference \(numeric)",
                             sourceLocation: sourceLocation)
                return
            }
        }
    }
}
