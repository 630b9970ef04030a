import Foundation

// The per-element functions of the elementwise kernels, as types the loops are specialized for.

/// A function of one element.
protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
}

/// A function of two elements.
protocol BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

enum ElementFunction {
    // MARK: Unary

    struct Negate: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    struct Exp: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
    struct Log: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    struct SquareRoot: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct Power: UnaryFunction {
        let exponent: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, exponent) }
    }
    struct Absolute: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    struct Sign: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    struct HyperbolicTangent: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) } }
    struct Sigmoid: UnaryFunction {
        // Two branches so that exp never overflows.
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
    }
    struct ErrorFunction: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.erf(x) } }
    /// `x·Φ(x)` with the exact normal CDF.
    struct GELU: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + Foundation.erf(x * 0.70710678)) }
    }
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    struct GELUTanh: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            0.5 * x * (1 + Foundation.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))
        }
    }
    struct Relu: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
    struct Clamp: UnaryFunction {
        let low: Float, high: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, low), high) }
    }
    struct Scale: UnaryFunction {
        let factor: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * factor }
    }

    // MARK: Binary

    struct Add: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// `a` where `b` is positive, else 0: relu's pullback with `b` the relu output.
    /// `upstream · d erf(x)/dx = upstream · 2/√π · e^{-x²}`.
    struct ErrorFunctionDerivative: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * 1.1283791671 * Foundation.exp(-b * b) }
    }
    /// `upstream · (Φ(x) + x·φ(x))`, the exact GELU's derivative.
    struct GELUDerivative: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
            let cdf = 0.5 * (1 + Foundation.erf(b * 0.70710678))
            return a * (cdf + b * 0.39894228 * Foundation.exp(-0.5 * b * b))
        }
    }
    /// `upstream ·` the derivative of the tanh approximation of GELU.
    struct GELUTanhDerivative: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
            let inner = 0.7978845608 * (b + 0.044715 * b * b * b)
            let t = Foundation.tanh(inner)
            let dInner = 0.7978845608 * (1 + 3 * 0.044715 * b * b)
            return a * (0.5 * (1 + t) + 0.5 * b * (1 - t * t) * dInner)
        }
    }
    struct PassWherePositive: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : 0 } }
    /// `a` where `b` lies in `low...high`, else 0: clamp's pullback with `b` the input.
    struct PassWhereInside: BinaryFunction {
        let low: Float, high: Float
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b >= low && b <= high ? a : 0 }
    }

    /// A comparison giving 1 where it holds and 0 elsewhere.
    struct Compare: BinaryFunction {
        enum Relation { case greater, less, greaterOrEqual, lessOrEqual, equal, notEqual }
        let relation: Relation
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
            let holds: Bool
            switch relation {
            case .greater: holds = a > b
            case .less: holds = a < b
            case .greaterOrEqual: holds = a >= b
            case .lessOrEqual: holds = a <= b
            case .equal: holds = a == b
            case .notEqual: holds = a != b
            }
            return holds ? 1 : 0
        }
    }
}
