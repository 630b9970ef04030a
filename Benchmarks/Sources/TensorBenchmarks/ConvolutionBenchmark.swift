import Foundation
import TensorCore

/// The reference CNN's convolution and pooling layers at batch 64, forward and backward, in
/// milliseconds per call, with the matrix-product share shown as achieved GFLOP/s.
func runConvolutionBenchmark() {
    print("\nconvolution and pooling, reference CNN shapes, batch 64 (ms per call)")
    let input1 = Tensor(randomNormal: [64, 1, 28, 28], seed: 1)
    let input2 = Tensor(randomNormal: [64, 10, 12, 12], seed: 2)
    let conv1 = Conv2D(inChannels: 1, outChannels: 10, kernelSize: 5)
    let conv2 = Conv2D(inChannels: 10, outChannels: 20, kernelSize: 5)
    let pooled = Tensor(randomNormal: [64, 10, 24, 24], seed: 3)
    func report(_ name: String, flops: Double = 0, _ body: () -> Void) {
        let seconds = medianSeconds(repetitions: 30, body)
        let rate = flops > 0 ? "  (\(format(flops / seconds / 1e9, 1)) GFLOP/s)" : ""
        print("\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(format(seconds * 1e3, 3).leftPad(8))\(rate)")
    }
    report("conv1 forward 1->10, 28x28", flops: 2.0 * 64 * 576 * 25 * 10) { _ = conv1(input1) }
    report("conv2 forward 10->20, 12x12", flops: 2.0 * 64 * 64 * 250 * 20) { _ = conv2(input2) }
    input2.requiresGradient = true
    report("conv2 forward + backward", flops: 3 * 2.0 * 64 * 64 * 250 * 20) {
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
