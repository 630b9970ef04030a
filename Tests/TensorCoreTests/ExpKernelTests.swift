import Foundation
import Testing
import TensorCore

/// `exp` runs in a vectorized CKernels loop at every instruction-set level: within 1e-6
/// relative of libm over the whole float range, with IEEE edges (the test script reruns it at
/// baseline and AVX2).
@Suite struct ExpKernelTests {
    @Test func matchesLibmAcrossTheRange() {
        let inputs = stride(from: Float(-87), through: 88.5, by: 0.0137).map { $0 } + [0, 1e-7, -1e-7, 1, -1, 0.5, 10]
        let values = exp(Tensor(inputs)).scalars
        for (x, y) in zip(inputs, values) {
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(y) - expected) <= 1e-6 * expected, "exp(\(x)) = \(y), libm \(expected)")
        }
        #expect(exp(Tensor([0])).scalars == [1])
    }

    @Test func edgesFollowIEEE() {
        let values = exp(Tensor([100, 88.8, -100, -88, .infinity, -.infinity, .nan])).scalars
        #expect(values[0] == .infinity && values[1] == .infinity)
        #expect(values[2] == 0 && values[3] == 0 && values[5] == 0)   // below the smallest normal float: 0
        #expect(values[4] == .infinity && values[6].isNaN)
    }

    @Test func theGradientIsTheOutput() {
        let x = Tensor([0.5, -1, 2])
        x.requiresGradient = true
        let y = exp(x)
        y.sum().backward()
        #expect(x.gradient!.scalars == y.scalars)
    }
}
