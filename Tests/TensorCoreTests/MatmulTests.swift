import Testing
import TensorCore
import TestSupport

/// BLAS products against a naive triple loop, across shapes that exercise every layout path.
@Suite struct MatmulTests {
    static func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (64, 10, 784), (17, 33, 9), (128, 128, 128)])
    func matchesNaiveProduct(_ size: (Int, Int, Int)) {
        let (m, n, k) = size
        let a = Tensor(randomNormal: [m, k], seed: 1), b = Tensor(randomNormal: [k, n], seed: 2)
        assertClose(matmul(a, b), Self.naive(a.scalars, b.scalars, m: m, n: n, k: k), shape: [m, n],
                    relative: 1e-4, absolute: 1e-4)
    }

    @Test func transposedViewsNeedNoCopyAndAgree() {
        let a = Tensor(randomNormal: [6, 4], seed: 1), b = Tensor(randomNormal: [5, 6], seed: 2)
        let viaViews = matmul(a.transposed(), b.transposed())
        let viaCopies = matmul(a.transposed().contiguous(), b.transposed().contiguous())
        assertClose(viaViews, viaCopies)
        #expect(viaViews.shape == [4, 5])
    }

    @Test func batchedProductsMatchPerEntryProducts() {
        let a = Tensor(randomNormal: [3, 4, 5], seed: 1), b = Tensor(randomNormal: [3, 5, 2], seed: 2)
        let batched = matmul(a, b)
        for entry in 0..<3 {
            assertClose(batched[entry], matmul(a[entry], b[entry]))
        }
        let shared = Tensor(randomNormal: [5, 2], seed: 3)
        let broadcast = matmul(a, shared)
        assertClose(broadcast[1], matmul(a[1], shared))
        let left = Tensor(randomNormal: [4, 5], seed: 4)
        assertClose(matmul(left, b)[2], matmul(left, b[2]))
    }
}
