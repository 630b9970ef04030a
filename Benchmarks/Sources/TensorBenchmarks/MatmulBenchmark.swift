import CBLASDirect
import TensorCore
import Datasets

/// `matmul` GFLOP/s against `cblas_sgemm` on the same operands, interleaved in one run.
func runMatmulBenchmark() {
    print("matmul: C = A·B, square n×n, and the MNIST MLP's first-layer shapes")
    print("shape                      ours GFLOP/s   OpenBLAS GFLOP/s   ratio")
    let shapes: [(m: Int, n: Int, k: Int)] = [
        (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
        (64, 256, 784), (784, 256, 64),
    ]
    for (m, n, k) in shapes {
        let a = Tensor(randomNormal: [m, k], seed: 1), b = Tensor(randomNormal: [k, n], seed: 2)
        let flops = 2.0 * Double(m * n * k)
        let repetitions = max(5, min(200, Int(2e9 / flops)))
        let ours = medianSeconds(repetitions: repetitions) { _ = matmul(a, b) }
        let aValues = a.scalars, bValues = b.scalars
        var c = [Float](repeating: 0, count: m * n)
        let direct = medianSeconds(repetitions: repetitions) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                        1, aValues, Int32(k), bValues, Int32(n), 0, &c, Int32(n))
        }
        let label = "\(m)x\(k) · \(k)x\(n)".padding(toLength: 26, withPad: " ", startingAt: 0)
        print("\(label) \(format(flops / ours / 1e9, 1).leftPad(12))   \(format(flops / direct / 1e9, 1).leftPad(16))   \(format(direct / ours, 3))")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
