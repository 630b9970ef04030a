import Foundation
import Testing
import TensorCore

/// The elementwise operations run in CKernels loops at the active instruction set (the test
/// script reruns this suite at baseline and AVX2). The exact ones must give the bits of their
/// scalar definitions, with NaN, signed zeros, infinities and every broadcasting pattern; tanh
/// and sigmoid stay within 3e-7 relative of libm's.
@Suite struct ElementwiseKernelTests {
    /// Specials, then enough ordinary values to fill vectors and leave a tail at every width.
    static let inputs: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 0.5, -2.5, 3, .leastNormalMagnitude, -1e-30]
        + (0..<77).map { Float(sin(Double($0) * 1.7) * 4) }

    static func sameBits(_ actual: Tensor, _ expected: [Float], _ name: String) {
        let a = actual.scalars
        #expect(a.count == expected.count, "\(name)")
        for (i, (x, y)) in zip(a, expected).enumerated() where !(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)) {
            Issue.record("\(name)[\(i)] of \(inputs[i % inputs.count]): \(x) (\(x.bitPattern)), expected \(y) (\(y.bitPattern))")
            return
        }
    }

    @Test func unaryMapsGiveTheBitsOfTheirDefinitions() {
        let xs = Self.inputs, x = Tensor(xs)
        Self.sameBits(relu(x), xs.map { $0 > 0 ? $0 : 0 }, "relu")
        Self.sameBits(leakyReLU(x, negativeSlope: 0.2), xs.map { $0 > 0 ? $0 : $0 * 0.2 }, "leakyReLU")
        Self.sameBits(-x, xs.map { -$0 }, "negation")
        Self.sameBits(abs(x), xs.map { Swift.abs($0) }, "abs")
        Self.sameBits(sqrt(x), xs.map { $0.squareRoot() }, "sqrt")
        Self.sameBits(x.clamped(to: -1...2), xs.map { Swift.min(Swift.max($0, -1), 2) }, "clamped")
        Self.sameBits(x * 0.3, xs.map { $0 * 0.3 }, "scale")
    }

    @Test func binaryMapsGiveTheBitsOfTheirDefinitions() {
        let xs = Self.inputs, ys = xs.reversed().map { $0 }
        let a = Tensor(xs), b = Tensor(ys)
        Self.sameBits(a + b, zip(xs, ys).map { $0 + $1 }, "+")
        Self.sameBits(a - b, zip(xs, ys).map { $0 - $1 }, "-")
        Self.sameBits(a * b, zip(xs, ys).map { $0 * $1 }, "*")
        Self.sameBits(a / b, zip(xs, ys).map { $0 / $1 }, "/")
        Self.sameBits(a .> b, zip(xs, ys).map { $0 > $1 ? 1 : 0 }, ".>")
        Self.sameBits(a .<= b, zip(xs, ys).map { $0 <= $1 ? 1 : 0 }, ".<=")
        Self.sameBits(a .!= b, zip(xs, ys).map { $0 != $1 ? 1 : 0 }, ".!=")
        // A scalar on either side, and a row broadcast over a matrix.
        Self.sameBits(a - Tensor([0.75]), xs.map { $0 - 0.75 }, "tensor - scalar")
        Self.sameBits(Tensor([0.75]) / a, xs.map { 0.75 / $0 }, "scalar / tensor")
        let rows = xs.count / 11, matrix = Tensor(Array(xs[0..<(rows * 11)]), shape: [rows, 11])
        let row = Array(ys[0..<11])
        let expected = (0..<(rows * 11)).map { xs[$0] * row[$0 % 11] }
        Self.sameBits(matrix * Tensor(row, shape: [1, 11]), expected, "row broadcast")
        let column = Array(ys[0..<rows])
        Self.sameBits(matrix + Tensor(column, shape: [rows, 1]), (0..<(rows * 11)).map { xs[$0] + column[$0 / 11] }, "column broadcast")
    }

    @Test func pullbacksGiveTheBitsOfTheirDefinitions() {
        let xs = Self.inputs.filter { !$0.isNaN }, upstream = xs.map { $0 * 0.5 + 1 }
        for (name, slope) in [("relu", Float(0)), ("leakyReLU", 0.2)] {
            let x = Tensor(xs)
            x.requiresGradient = true
            let y = slope == 0 ? relu(x) : leakyReLU(x, negativeSlope: slope)
            y.backward(Tensor(upstream))
            let outputs = y.scalars
            Self.sameBits(x.gradient!, zip(upstream, outputs).map { $1 > 0 ? $0 : (slope == 0 ? 0 : $0 * slope) }, name)
        }
        let x = Tensor(xs)
        x.requiresGradient = true
        x.clamped(to: -1...2).backward(Tensor(upstream))
        Self.sameBits(x.gradient!, zip(upstream, xs).map { $1 >= -1 && $1 <= 2 ? $0 : 0 }, "clamped")
    }

    /// A sum over a leading axis adds whole rows in the vector loop: each column still adds its
    /// rows in order, so the bits are the plain loop's.
    @Test func sumsOverLeadingAxesAddRowsInOrder() {
        let xs = Self.inputs.filter { !$0.isNaN && $0.isFinite }
        let rows = 7, columns = xs.count / rows
        let matrix = Tensor(Array(xs[0..<(rows * columns)]), shape: [rows, columns])
        var expected = [Float](repeating: 0, count: columns)
        for column in 0..<columns {
            var total = xs[column]
            for row in 1..<rows { total += xs[row * columns + column] }
            expected[column] = total
        }
        Self.sameBits(matrix.sum(alongAxis: 0), expected, "sum(alongAxis: 0)")
    }

    @Test func tanhAndSigmoidFollowLibm() {
        let xs = stride(from: Float(-20), through: 20, by: 0.0071).map { $0 } + [0, -0.0, 1e-7, -1e-30, 0.6249, 0.625, 0.6251, 100, -100]
        let tanhs = tanh(Tensor(xs)).scalars, sigmoids = sigmoid(Tensor(xs)).scalars
        for (i, x) in xs.enumerated() {
            let t = Foundation.tanh(Double(x)), s = 1 / (1 + Foundation.exp(-Double(x)))
            #expect(abs(Double(tanhs[i]) - t) <= 3e-7 * abs(t), "tanh(\(x)) = \(tanhs[i]), libm \(t)")
            #expect(abs(Double(sigmoids[i]) - s) <= 3e-7 * s + 1e-38, "sigmoid(\(x)) = \(sigmoids[i]), libm \(s)")
        }
        let edges: [Float] = [.infinity, -.infinity, .nan]
        #expect(tanh(Tensor(edges)).scalars.prefix(2) == [1, -1] && tanh(Tensor(edges)).scalars[2].isNaN)
        #expect(sigmoid(Tensor(edges)).scalars.prefix(2) == [1, 0] && sigmoid(Tensor(edges)).scalars[2].isNaN)
    }
}
