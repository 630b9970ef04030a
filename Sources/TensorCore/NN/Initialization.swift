import Foundation

/// How a parameter's first values are drawn. Random cases draw from the process-wide generator
/// (see ``seedEverything(_:)``), so a seeded model is built identically every time.
///
/// Fans follow PyTorch's `torch.nn.init`: for a `[out, in, k...]` tensor, fan-in is `in·∏k` and
/// fan-out is `out·∏k`.
///
/// ```swift
/// let weight = Tensor(parameter: [256, 128], initializer: .normal(standardDeviation: 0.02))
/// let gain = Tensor(parameter: [128], initializer: .ones)
/// ```
public enum Initializer: Sendable {
    /// Every element 0.
    case zeros
    /// Every element 1.
    case ones
    /// Every element `value`.
    case constant(Float)
    /// Uniform in `range`.
    case uniform(ClosedRange<Float>)
    /// Normal with `mean` and `standardDeviation`.
    case normal(mean: Float = 0, standardDeviation: Float)
    /// Uniform in `±gain·√(6 / (fanIn + fanOut))` (Glorot).
    case xavierUniform(gain: Float = 1)
    /// Normal with standard deviation `gain·√(2 / (fanIn + fanOut))` (Glorot).
    case xavierNormal(gain: Float = 1)
    /// Uniform in `±√(6 / ((1 + a²)·fanIn))` (He, for ReLU-like layers with leaky slope `a`).
    /// `a = √5` gives PyTorch's default `nn.Linear` and `nn.Conv2d` weights, `±1/√fanIn`.
    case kaimingUniform(a: Float = 0)
    /// Normal with standard deviation `√(2 / ((1 + a²)·fanIn))` (He).
    case kaimingNormal(a: Float = 0)

    /// Fresh values of `shape` for this initializer.
    public func values(_ shape: [Int]) -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .zeros: return Tensor(zeros: shape)
        case .ones: return Tensor(ones: shape)
        case .constant(let value): return Tensor(repeating: value, shape: shape)
        case .uniform(let range): return Tensor(randomUniform: shape, in: range)
        case .normal(let mean, let deviation): return Tensor(randomNormal: shape, mean: mean, standardDeviation: deviation)
        case .xavierUniform(let gain):
            let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor(randomUniform: shape, in: -bound...bound)
        case .xavierNormal(let gain):
            return Tensor(randomNormal: shape, standardDeviation: gain * (2 / Float(fanIn + fanOut)).squareRoot())
        case .kaimingUniform(let a):
            let bound = (6 / ((1 + a * a) * Float(fanIn))).squareRoot()
            return Tensor(randomUniform: shape, in: -bound...bound)
        case .kaimingNormal(let a):
            return Tensor(randomNormal: shape, standardDeviation: (2 / ((1 + a * a) * Float(fanIn))).squareRoot())
        }
    }

    /// Fan-in and fan-out of a weight of `shape`, as `torch.nn.init` computes them.
    static func fans(_ shape: [Int]) -> (Int, Int) {
        guard shape.count >= 2 else { return (Swift.max(shape.first ?? 1, 1), Swift.max(shape.first ?? 1, 1)) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (Swift.max(shape[1] * receptive, 1), Swift.max(shape[0] * receptive, 1))
    }
}

extension Tensor {
    /// A trainable tensor (``requiresGradient`` set) of `shape`, filled by `initializer`: how a
    /// custom layer declares its parameters.
    ///
    /// ```swift
    /// final class Scale: Module {
    ///     let factor = Tensor(parameter: [1], initializer: .ones)
    ///     var isTraining = true
    ///     var ownParameters: [(String, Tensor)] { [("factor", factor)] }
    ///     func callAsFunction(_ x: Tensor) -> Tensor { x * factor }
    /// }
    /// ```
    public convenience init(parameter shape: [Int], initializer: Initializer) {
        let values = initializer.values(shape)
        self.init(shape: shape, storage: values.storage, offset: values.offset)
        requiresGradient = true
    }
}

/// A trainable tensor of `shape` with values uniform in `±bound`, drawn from the global generator:
/// PyTorch's default for `nn.Linear` and `nn.Conv2d`, whose Kaiming-uniform weights (`a = √5`)
/// and biases both come to `bound = 1/√fanIn`.
func uniformParameter(_ shape: [Int], bound: Float) -> Tensor {
    Tensor(parameter: shape, initializer: .uniform(-bound...bound))
}
