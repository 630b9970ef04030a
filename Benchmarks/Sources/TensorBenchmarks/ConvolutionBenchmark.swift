import CBLASDirect
import Foundation
import TensorCore

/// The reference CNN's layers at batch 64, one row per layer and direction: milliseconds per
/// call, achieved GFLOP/s, and that rate as a share of OpenBLAS's `sgemm` peak (n = 1024, the
/// same threads) measured in the same run. Which path each layer takes (direct kernels, the
/// register-tiled products, or im2col + BLAS) is chosen by shape inside `conv2D`.
func runConvolutionBenchmark() {
    let peak = sgemmPeak()
    print("\nconvolution and pooling, reference CNN shapes, batch 64; OpenBLAS sgemm peak \(format(peak, 1)) GFLOP/s (n = 1024)")
    print("layer                                       ms    GFLOP/s   of peak")
    let input1 = Tensor(randomNormal: [64, 1, 28, 28], seed: 1)
    let input2 = Tensor(randomNormal: [64, 10, 12, 12], seed: 2)
    let conv1 = Conv2D(inChannels: 1, outChannels: 10, kernelSize: 5)
    let conv2 = Conv2D(inChannels: 10, outChannels: 20, kernelSize: 5)
    let pooled = Tensor(randomNormal: [64, 10, 24, 24], seed: 3)
    func report(_ name: String, flops: Double = 0, _ body: () -> Void) {
        let seconds = medianSeconds(repetitions: 30, body)
        let rate = flops / seconds / 1e9
        let columns = flops > 0 ? "\(format(rate, 1).leftPad(10))\((format(100 * rate / peak, 0) + "%").leftPad(10))" : ""
        print("\(name.padding(toLength: 38, withPad: " ", startingAt: 0)) \(format(seconds * 1e3, 3).leftPad(8))\(columns)")
    }
    let conv1Product = 2.0 * 64 * 576 * 25 * 10, conv2Product = 2.0 * 64 * 64 * 250 * 20
    report("conv1 1->10 5x5 forward (direct)", flops: conv1Product) { _ = conv1(input1) }
    report("conv1 forward + weight gradient", flops: 2 * conv1Product) {
        conv1(input1).sum().backward()
        conv1.zeroGradients()
    }
    report("conv2 10->20 5x5 forward (tiled)", flops: conv2Product) { _ = conv2(input2) }
    input2.requiresGradient = true
    report("conv2 forward + both gradients", flops: 3 * conv2Product) {
        conv2(input2).sum().backward()
        input2.zeroGradient()
        conv2.zeroGradients()
    }
    input2.requiresGradient = false
    report("maxPool2D 2x2 forward [64,10,24,24]") { _ = maxPool2D(pooled, kernelSize: 2) }
    pooled.requiresGradient = true
    report("maxPool2D forward + backward") {
        maxPool2D(pooled, kernelSize: 2).sum().backward()
        pooled.zeroGradient()
    }
}

/// OpenBLAS `sgemm` GFLOP/s on 1024x1024 operands: the reference the table's shares use.
private func sgemmPeak() -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    let seconds = medianSeconds(repetitions: 10) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
    }
    return 2.0 * Double(n * n * n) / seconds / 1e9
}
