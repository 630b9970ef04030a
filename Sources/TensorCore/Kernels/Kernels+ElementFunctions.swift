import CKernels
import Foundation

// The per-element functions of the elementwise kernels, as types the loops are specialized for.
// Most name a CKernels loop that computes the same function at the CPU's full vector width;
// the Swift body is the definition, and the loop for the rest (log, pow and tanh stay libm
// calls).

/// A function of one element.
protocol UnaryFunction {
    func callAsFunction(_ x: Float) -> Float
    /// The CKernels loop for this function and its parameters, or nil for the Swift loop.
    var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { get }
}

/// A function of two elements.
protocol BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
    /// The CKernels loop for this function and its parameters, or nil for the Swift loop.
    var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { get }
}

extension UnaryFunction {
    var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { nil }
}

extension BinaryFunction {
    var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { nil }
}

enum ElementFunction {
    // MARK: Unary

    struct Negate: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { -x }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_NEGATE, 0, 0) }
    }
    struct Log: UnaryFunction { @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
    struct SquareRoot: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SQUARE_ROOT, 0, 0) }
    }
    struct Power: UnaryFunction {
        let exponent: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, exponent) }
    }
    struct Absolute: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_ABSOLUTE, 0, 0) }
    }
    struct Sign: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SIGN, 0, 0) }
    }
    /// Stays libm's scalar tanh: a vectorized polynomial (within 1.1e-7 of it) sent the main
    /// job's GAN, whose generator ends in tanh, down another trajectory whose digit check fell
    /// from 60.0% to 56.6% against its 60% bar. That check sits on its bar; the GAN needs a
    /// margin before tanh can change a bit.
    struct HyperbolicTangent: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) }
    }
    struct Sigmoid: UnaryFunction {
        // Two branches so that exp never overflows.
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SIGMOID, 0, 0) }
    }
    struct Relu: UnaryFunction {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_RELU, 0, 0) }
    }
    struct LeakyRelu: UnaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : x * slope }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_LEAKY_RELU, slope, 0) }
    }
    struct Clamp: UnaryFunction {
        let low: Float, high: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.min(Swift.max(x, low), high) }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_CLAMP, low, high) }
    }
    struct Scale: UnaryFunction {
        let factor: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * factor }
        var vectorized: (operation: swifttrain_unary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SCALE, factor, 0) }
    }

    // MARK: Binary

    struct Add: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_ADD, 0, 0) }
    }
    struct Subtract: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SUBTRACT, 0, 0) }
    }
    struct Multiply: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_MULTIPLY, 0, 0) }
    }
    struct Divide: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_DIVIDE, 0, 0) }
    }
    /// `a` where `b` is positive, else 0: relu's pullback with `b` the relu output.
    struct PassWherePositive: BinaryFunction {
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : 0 }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_PASS_WHERE_POSITIVE, 0, 0) }
    }
    /// `a` where `b` is positive, else `a·slope`: leaky relu's pullback with `b` its output.
    struct ScaleWhereNotPositive: BinaryFunction {
        let slope: Float
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : a * slope }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_SCALE_WHERE_NOT_POSITIVE, slope, 0) }
    }
    /// `a` where `b` lies in `low...high`, else 0: clamp's pullback with `b` the input.
    struct PassWhereInside: BinaryFunction {
        let low: Float, high: Float
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b >= low && b <= high ? a : 0 }
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? { (SWIFTTRAIN_PASS_WHERE_INSIDE, low, high) }
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
        var vectorized: (operation: swifttrain_binary_operation, p: Float, q: Float)? {
            switch relation {
            case .greater: (SWIFTTRAIN_GREATER, 0, 0)
            case .less: (SWIFTTRAIN_LESS, 0, 0)
            case .greaterOrEqual: (SWIFTTRAIN_GREATER_OR_EQUAL, 0, 0)
            case .lessOrEqual: (SWIFTTRAIN_LESS_OR_EQUAL, 0, 0)
            case .equal: (SWIFTTRAIN_EQUAL, 0, 0)
            case .notEqual: (SWIFTTRAIN_NOT_EQUAL, 0, 0)
            }
        }
    }
}
