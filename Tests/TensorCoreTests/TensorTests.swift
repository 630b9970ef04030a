import Testing
import TensorCore
import TestSupport

@Suite struct TensorTests {
    @Test func creation() {
        #expect(Tensor(zeros: [2, 3]).scalars == [0, 0, 0, 0, 0, 0])
        #expect(Tensor(ones: [2]).scalars == [1, 1])
        #expect(Tensor(repeating: 7, shape: [1, 2]).scalars == [7, 7])
        #expect(Tensor(3).shape == [])
        #expect(Tensor(3).scalar == 3)
        #expect(Tensor([[1, 2], [3, 4]]).shape == [2, 2])
        #expect(Tensor(rangeFrom: 0, to: 1, stride: 0.25).scalars == [0, 0.25, 0.5, 0.75])
        #expect(Tensor(rangeFrom: 5, to: 0, stride: -2).scalars == [5, 3, 1])
        #expect(Tensor(oneHotAtIndices: [2, 0], depth: 3).scalars == [0, 0, 1, 1, 0, 0])
        #expect(Tensor(zeros: [0, 4]).scalarCount == 0)
    }

    @Test func seededRandomTensorsRepeatExactly() {
        #expect(Tensor(randomNormal: [100], seed: 7).scalars == Tensor(randomNormal: [100], seed: 7).scalars)
        #expect(Tensor(randomNormal: [100], seed: 7).scalars != Tensor(randomNormal: [100], seed: 8).scalars)
        var a = RandomGenerator(seed: 1)
        _ = a.next()
        var b = RandomGenerator(seed: 1)
        b.state = a.state
        #expect(a.next() == b.next())
    }

    @Test func randomDistributionsHaveTheRightMoments() {
        let normal = Tensor(randomNormal: [200_000], mean: 2, standardDeviation: 3, seed: 11)
        assertClose(normal.mean().scalar, 2, absolute: 0.03)
        assertClose(normal.variance(alongAxis: 0).scalar.squareRoot(), 3, absolute: 0.03)
        let uniform = Tensor(randomUniform: [200_000], in: -1...3, seed: 12)
        #expect(uniform.min().scalar >= -1)
        #expect(uniform.max().scalar < 3)
        assertClose(uniform.mean().scalar, 1, absolute: 0.02)
    }

    @Test func randomScopesAreIsolatedFromEachOtherAndFromTheProcess() async {
        let expected = withRandomScope(seed: 5) { Tensor(randomNormal: [64]).scalars }
        let results = await withTaskGroup(of: [Float].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    withRandomScope(seed: 5) {
                        // Another draw from the process-wide generator in the middle must not interfere.
                        let first = Tensor(randomNormal: [32]).scalars
                        Task.detached { _ = Tensor(randomNormal: [1000]) }
                        return first + Tensor(randomNormal: [32]).scalars
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == expected })
    }

    @Test func comparisonsAndWhere() {
        let x = Tensor([1, 5, 3]), y = Tensor([2, 5, 1])
        #expect((x .> y).scalars == [0, 0, 1])
        #expect((x .>= y).scalars == [0, 1, 1])
        #expect((x .< y).scalars == [1, 0, 0])
        #expect((x .<= 3).scalars == [1, 0, 1])
        #expect((x .== y).scalars == [0, 1, 0])
        #expect((x .!= y).scalars == [1, 0, 1])
        #expect(Tensor.where(x .> 2, x, Tensor(0)).scalars == [0, 5, 3])
    }

    @Test func description() {
        #expect(Tensor([[1, 2], [3, 4]]).description == "[[1.0, 2.0], [3.0, 4.0]]")
        #expect(Tensor(2).description == "2.0")
        #expect(Tensor(zeros: [100, 100]).description == "Tensor(shape: [100, 100])")
    }

    @Test func largeReductionsDoNotDependOnThreadTiming() {
        // Over the parallel threshold: the fixed chunking must give one exact answer each time.
        let x = Tensor(randomNormal: [1_000_003], seed: 3)
        let sums = (0..<5).map { _ in x.sum().scalar }
        #expect(Set(sums).count == 1)
        let exact = x.scalars.reduce(0.0) { $0 + Double($1) }
        assertClose(sums[0], Float(exact), relative: 1e-5, absolute: 1e-2)
        let columns = x[0..<1_000_000].reshaped(to: [1000, 1000]).sum(alongAxis: 0)
        let repeatable = columns.scalars == x[0..<1_000_000].reshaped(to: [1000, 1000]).sum(alongAxis: 0).scalars
        #expect(repeatable)
    }

    @Test func largeElementwiseOperationsMatchSmallOnes() {
        // The parallel path (over 2^15 elements) against the serial one, element by element.
        let big = Tensor(randomNormal: [300_000], seed: 4)
        let bias = Tensor(randomNormal: [1000], seed: 5)
        let result = (big.reshaped(to: [300, 1000]) * 2 + bias).scalars
        let row7 = (big[7000..<8000] * 2 + bias).scalars
        let sameAsSerial = Array(result[7000..<8000]) == row7
        #expect(sameAsSerial)
        #expect(exp(big).scalars[123_456] == exp(big[123_456..<123_457]).scalar)
    }
}
