import Testing
import TensorCore
import TestSupport

/// Every differentiable primitive (and the main composites) against finite differences,
/// including broadcasting operands, whose gradients must be summed back to their own shapes.
@Suite struct GradientTests {
    static func normal(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor(randomNormal: shape, seed: seed) }
    /// Values in [0.5, 2): safe for log, sqrt, pow and division.
    static func positive(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor(randomUniform: shape, in: 0.5...2, seed: seed) }
    /// Normal values nudged away from 0, where relu and abs have kinks.
    static func awayFromZero(_ shape: [Int], _ seed: UInt64) -> Tensor {
        let x = normal(shape, seed)
        return x + Tensor.where(x .>= 0, Tensor(0.1), Tensor(-0.1))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputs: @Sendable () -> [Tensor]
        let function: @Sendable ([Tensor]) -> Tensor
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "add same shape", inputs: { [normal([3, 4], 1), normal([3, 4], 2)] }, function: { $0[0] + $0[1] }),
        Case(name: "add broadcast row", inputs: { [normal([3, 4], 1), normal([4], 2)] }, function: { $0[0] + $0[1] }),
        Case(name: "add broadcast both", inputs: { [normal([2, 1, 4], 1), normal([3, 1], 2)] }, function: { $0[0] + $0[1] }),
        Case(name: "subtract broadcast column", inputs: { [normal([3, 4], 1), normal([3, 1], 2)] }, function: { $0[0] - $0[1] }),
        Case(name: "multiply broadcast scalar tensor", inputs: { [normal([3, 4], 1), normal([], 2)] }, function: { $0[0] * $0[1] }),
        Case(name: "divide broadcast", inputs: { [normal([2, 3], 1), positive([3], 2)] }, function: { $0[0] / $0[1] }),
        Case(name: "negate", inputs: { [normal([5], 1)] }, function: { -$0[0] }),
        Case(name: "exp", inputs: { [normal([3, 4], 1)] }, function: { exp($0[0]) }),
        Case(name: "log", inputs: { [positive([3, 4], 1)] }, function: { log($0[0]) }),
        Case(name: "sqrt", inputs: { [positive([3, 4], 1)] }, function: { sqrt($0[0]) }),
        Case(name: "pow", inputs: { [positive([3, 4], 1)] }, function: { pow($0[0], 3) }),
        Case(name: "abs", inputs: { [awayFromZero([3, 4], 1)] }, function: { abs($0[0]) }),
        Case(name: "tanh", inputs: { [normal([3, 4], 1)] }, function: { tanh($0[0]) }),
        Case(name: "sigmoid", inputs: { [normal([3, 4], 1)] }, function: { sigmoid($0[0]) }),
        Case(name: "relu", inputs: { [awayFromZero([3, 4], 1)] }, function: { relu($0[0]) }),
        Case(name: "leakyReLU", inputs: { [Tensor([-2, -0.7, 0.1, 0.3, 0.9, 3], shape: [2, 3])] }, function: { leakyReLU($0[0], negativeSlope: 0.2) }),
        Case(name: "clamped", inputs: { [Tensor([-2, -0.7, 0.1, 0.3, 0.9, 3], shape: [2, 3])] }, function: { $0[0].clamped(to: -1...0.5) }),
        Case(name: "where", inputs: { [normal([3, 4], 1), normal([4], 2)] },
             function: { Tensor.where(Tensor([1, 0, 0, 1], shape: [4]), $0[0], $0[1]) }),
        Case(name: "sum all", inputs: { [normal([3, 4], 1)] }, function: { $0[0].sum() }),
        Case(name: "sum axes", inputs: { [normal([2, 3, 4], 1)] }, function: { $0[0].sum(alongAxes: [0, 2]) }),
        Case(name: "mean axis keeping", inputs: { [normal([2, 3, 4], 1)] }, function: { $0[0].mean(alongAxis: 1, keepingDimensions: true) }),
        Case(name: "max axis", inputs: { [normal([3, 5], 1)] }, function: { $0[0].max(alongAxis: 1) }),
        Case(name: "min axis 0", inputs: { [normal([3, 5], 1)] }, function: { $0[0].min(alongAxis: 0) }),
        Case(name: "logSumExp", inputs: { [normal([3, 5], 1)] }, function: { $0[0].logSumExp(alongAxis: 1) }),
        Case(name: "variance", inputs: { [normal([4, 5], 1)] }, function: { $0[0].variance(alongAxis: 0) }),
        Case(name: "matmul", inputs: { [normal([3, 4], 1), normal([4, 5], 2)] }, function: { matmul($0[0], $0[1]) }),
        Case(name: "matmul transposed views", inputs: { [normal([4, 3], 1), normal([5, 4], 2)] },
             function: { matmul($0[0].transposed(), $0[1].transposed()) }),
        Case(name: "matmul batched", inputs: { [normal([2, 3, 4], 1), normal([2, 4, 5], 2)] }, function: { matmul($0[0], $0[1]) }),
        Case(name: "matmul batch times matrix", inputs: { [normal([2, 3, 4], 1), normal([4, 5], 2)] }, function: { matmul($0[0], $0[1]) }),
        Case(name: "matmul matrix times batch", inputs: { [normal([3, 4], 1), normal([2, 4, 5], 2)] }, function: { matmul($0[0], $0[1]) }),
        Case(name: "reshape and transpose", inputs: { [normal([2, 6], 1)] }, function: { $0[0].reshaped(to: [3, 4]).transposed() * 2 }),
        Case(name: "slice rows", inputs: { [normal([5, 3], 1)] }, function: { $0[0][1..<4] * 3 }),
        Case(name: "index row", inputs: { [normal([5, 3], 1)] }, function: { $0[0][2] * 3 }),
        Case(name: "gathering", inputs: { [normal([5, 3], 1)] }, function: { $0[0].gathering(atIndices: [4, 1, 1, 0]) }),
        Case(name: "concatenating", inputs: { [normal([2, 3], 1), normal([2, 2], 2)] },
             function: { Tensor(concatenating: [$0[0], $0[1]], alongAxis: 1) }),
        Case(name: "broadcasted", inputs: { [normal([3, 1], 1)] }, function: { $0[0].broadcasted(to: [2, 3, 4]) }),
        Case(name: "softmax composite", inputs: { [normal([3, 5], 1)] },
             function: { x in exp(x[0] - x[0].logSumExp(alongAxis: 1, keepingDimensions: true)) }),
    ]

    @Test(arguments: GradientTests.cases)
    func matchesFiniteDifferences(_ testCase: Case) {
        checkGradients(at: testCase.inputs(), testCase.function)
    }
}
