// MARK: - Elementwise functions
//
// Each primitive's pullback sits right under its forward computation. Where the derivative is
// a function of the output (exp, sqrt, tanh, sigmoid), the pullback reads the output instead of
// recomputing it.

/// e raised to each element (a vectorized kernel: within about 2e-7 relative of libm's `expf`;
/// +inf on overflow, 0 below the smallest normal float).
public func exp(_ x: Tensor) -> Tensor {
    Kernels.exp(x)
        .recorded("exp", x) { gradient, output in [gradient * output] }
}

/// The natural logarithm of each element.
public func log(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.Log())
        .recorded("log", x) { gradient, _ in [gradient / x] }
}

/// The square root of each element.
public func sqrt(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.SquareRoot())
        .recorded("sqrt", x) { gradient, output in [gradient / (2 * output)] }
}

/// Each element raised to `exponent`.
public func pow(_ x: Tensor, _ exponent: Float) -> Tensor {
    Kernels.map(x, ElementFunction.Power(exponent: exponent))
        .recorded("pow", x) { gradient, _ in [gradient * exponent * pow(x, exponent - 1)] }
}

/// The absolute value of each element. Its derivative at 0 is taken as 0, as in PyTorch.
public func abs(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.Absolute())
        .recorded("abs", x) { gradient, _ in [gradient * Kernels.map(x, ElementFunction.Sign())] }
}

/// The hyperbolic tangent of each element.
public func tanh(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.HyperbolicTangent())
        .recorded("tanh", x) { gradient, output in [gradient * (1 - output * output)] }
}

/// The logistic sigmoid `1 / (1 + e^-x)` of each element, computed without overflow for large
/// negative inputs.
public func sigmoid(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.Sigmoid())
        .recorded("sigmoid", x) { gradient, output in [gradient * output * (1 - output)] }
}

/// `max(0, x)` for each element. Its derivative at 0 is 0, as in PyTorch.
public func relu(_ x: Tensor) -> Tensor {
    Kernels.map(x, ElementFunction.Relu())
        // The mask comes from the output: positive exactly where the input was.
        .recorded("relu", x) { gradient, output in [Kernels.zip(gradient, output, operation: "relu", ElementFunction.PassWherePositive())] }
}

/// `x` where positive, `negativeSlope·x` elsewhere, for each element (PyTorch's `leaky_relu`,
/// 0.01 by default). GANs use it (slope 0.2) so the discriminator passes gradient for every input.
public func leakyReLU(_ x: Tensor, negativeSlope: Float = 0.01) -> Tensor {
    precondition(negativeSlope >= 0, "leakyReLU: negativeSlope must not be negative, got \(negativeSlope)")
    return Kernels.map(x, ElementFunction.LeakyRelu(slope: negativeSlope))
        // With a non-negative slope the output's sign is the input's, so the output gives the mask.
        .recorded("leaky_relu", x) { gradient, output in
            [Kernels.zip(gradient, output, operation: "leaky_relu", ElementFunction.ScaleWhereNotPositive(slope: negativeSlope))]
        }
        .annotatingONNX(["alpha": [Double(negativeSlope)]])
}

/// The error function `erf(x) = 2/√π ∫₀ˣ e^{-t²} dt` of each element, vectorized at the
/// active instruction set (absolute error below 2e-7).
public func erf(_ x: Tensor) -> Tensor {
    Kernels.erf(x).recorded("erf", x) { gradient, _ in [Kernels.erfBackward(gradient, x)] }
}

/// How ``gelu(_:approximation:)`` computes the normal CDF.
public enum GELUApproximation: Sendable {
    /// `x·Φ(x)` with the exact CDF, through `erf` (PyTorch's default, `approximate='none'`).
    case none
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (PyTorch's `approximate='tanh'`, GPT-2's).
    case tanh
}

/// The Gaussian error linear unit `x·Φ(x)` of each element: one fused kernel forward and one
/// backward, not a chain of generic operations.
///
/// ```swift
/// let hidden = gelu(fc(x))                      // exact
/// let gpt2 = gelu(fc(x), approximation: .tanh)  // GPT-2's approximation
/// ```
public func gelu(_ x: Tensor, approximation: GELUApproximation = .none) -> Tensor {
    let tanhForm = approximation == .tanh
    return Kernels.gelu(x, tanhForm: tanhForm)
        .recorded("gelu", x) { gradient, _ in [Kernels.geluBackward(gradient, x, tanhForm: tanhForm)] }
        .annotatingONNX(["tanh": [tanhForm ? 1 : 0]])
}

extension Tensor {
    /// Each element limited to `range` (PyTorch's `clamp`). The gradient passes where the input
    /// lies inside the range, bounds included, and is zero outside.
    public func clamped(to range: ClosedRange<Float>) -> Tensor {
        let low = range.lowerBound, high = range.upperBound
        return Kernels.map(self, ElementFunction.Clamp(low: low, high: high))
            .recorded("clamped(to:)", self) { gradient, _ in
                [Kernels.zip(gradient, self, operation: "clamped(to:)", ElementFunction.PassWhereInside(low: low, high: high))]
            }
    }
}
