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
    struct Relu: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
    struct LeakyRelu: UnaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : x * slope }
    }
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
    struct PassWherePositive: BinaryFunction { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : 0 } }
    /// `a` where `b` is positive, else `a·slope`: leaky relu's pullback with `b` its output.
    struct ScaleWhereNotPositive: BinaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : a * slope }
    }
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
