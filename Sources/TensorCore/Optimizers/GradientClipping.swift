import Foundation

/// Scales all gradients of `parameters` together so that their global L2 norm (the norm of all
/// gradient elements as one vector) is at most `maximumNorm`, as PyTorch's
/// `clip_grad_norm_`: each gradient is multiplied by `min(1, maximumNorm / (norm + 1e-6))`.
///
/// Returns the norm before clipping, which is worth logging.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradientNorm(of: model.parameters, maximumNorm: 1.0)
/// optimizer.step()
/// ```
@discardableResult
public func clipGradientNorm(of parameters: [Tensor], maximumNorm: Float) -> Float {
    let gradients = parameters.compactMap(\.gradient)
    let norm = Float(gradients.reduce(0.0) { $0 + Kernels.sumOfSquares($1) }.squareRoot())
    let scale = Swift.min(1, maximumNorm / (norm + 1e-6))
    if scale < 1 {
        for gradient in gradients { Kernels.updateInPlace(gradient, ElementFunction.Scale(factor: scale)) }
    }
    return norm
}

/// Clamps every gradient element of `parameters` into `-maximumValue...maximumValue`
/// (PyTorch's `clip_grad_value_`).
public func clipGradientValues(of parameters: [Tensor], maximumValue: Float) {
    guard maximumValue >= 0 else { fail("clipGradientValues", "maximum value must be >= 0, got \(maximumValue)") }
    for gradient in parameters.compactMap(\.gradient) {
        Kernels.updateInPlace(gradient, ElementFunction.Clamp(low: -maximumValue, high: maximumValue))
    }
}

/// A gradient-clipping setting, applied between backward and the optimizer step.
public enum GradientClipping: Sendable, Equatable {
    /// Scale all gradients together to a global L2 norm of at most this value.
    case norm(Float)
    /// Clamp every gradient element into plus or minus this value.
    case value(Float)

    /// Clips the gradients of `parameters`.
    public func apply(to parameters: [Tensor]) {
        switch self {
        case .norm(let maximum): clipGradientNorm(of: parameters, maximumNorm: maximum)
        case .value(let maximum): clipGradientValues(of: parameters, maximumValue: maximum)
        }
    }
}
