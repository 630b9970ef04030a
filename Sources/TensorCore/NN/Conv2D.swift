/// 2-D convolution (cross-correlation, as in PyTorch) of `input` `[batch, inChannels, height, width]`
/// with `weight` `[outChannels, inChannels, kernelHeight, kernelWidth]` and `bias` `[outChannels]`.
///
/// A fused primitive. In general it is im2col + GEMM in both directions: the input windows are
/// unrolled into one matrix for the whole batch, a single BLAS product (accumulated onto the bias)
/// gives every output, and the pullback is two BLAS products plus col2im. Shapes where BLAS loses
/// take direct kernels instead: single-channel first layers, and layers with few channels
/// (register-tiled products that read the input itself at stride 1 without padding). Dilation 1,
/// groups 1.
public func conv2D(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
    guard input.rank == 4, weight.rank == 4, input.shape[1] == weight.shape[1] else {
        fail("conv2D", "input of shape \(input.shape) does not match weight of shape \(weight.shape) ([out, in, kh, kw] against [batch, in, h, w])")
    }
    guard stride >= 1, padding >= 0 else { fail("conv2D", "stride must be >= 1 and padding >= 0, got \(stride) and \(padding)") }
    let outChannels = weight.shape[0]
    if let bias, bias.shape != [outChannels] {
        fail("conv2D", "bias of shape \(bias.shape) does not match weight of shape \(weight.shape)")
    }
    let g = WindowGeometry(batch: input.shape[0], channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                           kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], stride: stride, padding: padding)
    guard g.outputHeight >= 1, g.outputWidth >= 1 else {
        fail("conv2D", "kernel \(weight.shape[2])x\(weight.shape[3]) does not fit input \(input.shape) with padding \(padding)")
    }
    // A first layer (one input channel, stride 1, no padding, input needing no gradient): 25-odd
    // multiply-adds per output are a skinny matrix product for BLAS, so convolve directly.
    if g.channels == 1 && stride == 1 && padding == 0 && !(input.requiresGradient && GradientMode.isEnabled) {
        let output = Kernels.convolveSingleChannel(input, weight.detached(), bias, g, outChannels: outChannels)
        let recordedInputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return output.recorded("conv2D", inputs: recordedInputs) { gradient, _ in
            let gradients = Kernels.convolveSingleChannelWeightGradient(input, gradient, g, outChannels: outChannels, bias: bias != nil)
            return [nil, gradients.weight] + (gradients.bias.map { [$0] } ?? [])
        }
    }
    if Kernels.prefersBlockProducts(g, outChannels: outChannels) {
        return convolveWithBlockProducts(input, weight: weight, bias: bias, g, outChannels: outChannels)
    }
    // Channel-major im2col: one row per kernel tap, one column per (sample, position), so every
    // copy is a run along an output row. One BLAS product (onto the bias) gives [out, batch·positions],
    // and moving whole [positions] blocks gives the NCHW layout.
    let columns = g.batch * g.positions
    let unrolled = Kernels.im2colChannelMajor(input, g)
    let kernelMatrix = weight.detached().reshaped(to: [outChannels, g.windowLength])
    let product = Kernels.convolutionProduct(kernelMatrix, unrolled, bias: bias, outChannels: outChannels,
                                             window: g.windowLength, columns: columns)
    let output = Kernels.swapLeadingAxes(product, outChannels, g.batch, block: g.positions,
                                         resultShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
    let recordedInputs = bias.map { [input, weight, $0] } ?? [input, weight]
    defer { output.annotatingONNX(["stride": [Double(stride)], "padding": [Double(padding)]]) }
    return output.recorded("conv2D", inputs: recordedInputs) { gradient, _ in
        // [batch, out, positions] -> [out, batch·positions], the product's layout.
        let gradientRows = Kernels.swapLeadingAxes(gradient, g.batch, outChannels, block: g.positions, resultShape: [outChannels, columns])
        let gradientWeight = matmul(gradientRows, unrolled.transposed()).reshaped(to: weight.shape)
        let gradientInput = input.requiresGradient
            ? Kernels.col2imChannelMajor(matmul(kernelMatrix.transposed(), gradientRows), g) : nil
        return [gradientInput, gradientWeight] + (bias == nil ? [] : [gradientRows.sum(alongAxis: 1)])
    }
}

/// `conv2D` for few channels (MNIST's conv2): register-tiled products on the im2col matrix,
/// reading and writing NCHW directly, without BLAS's packing. Where stride 1 without padding
/// allows, they read the input itself: no im2col matrix (4 MB a batch for conv2) and no col2im.
private func convolveWithBlockProducts(_ input: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry, outChannels: Int) -> Tensor {
    let direct = g.readsInputDirectly
    let source = direct ? input.detached() : Kernels.im2colChannelMajor(input, g)
    let kernel = weight.detached()
    let output = Kernels.blockConvolution(kernel, source, bias: bias, g, outChannels: outChannels)
    let recordedInputs = bias.map { [input, weight, $0] } ?? [input, weight]
    defer { output.annotatingONNX(["stride": [Double(g.stride)], "padding": [Double(g.padding)]]) }
    return output.recorded("conv2D", inputs: recordedInputs) { gradient, _ in
        let gradients = Kernels.blockConvolutionWeightGradient(gradient, source, g, outChannels: outChannels, bias: bias != nil)
        let gradientInput: Tensor? = !input.requiresGradient ? nil
            : direct ? Kernels.blockConvolutionInputGradient(kernel, gradient, g, outChannels: outChannels)
            : Kernels.col2imChannelMajor(Kernels.blockConvolutionInputColumns(kernel, gradient, g, outChannels: outChannels), g)
        return [gradientInput, gradients.weight.reshaped(to: weight.shape)] + (gradients.bias.map { [$0] } ?? [])
    }
}

/// A 2-D convolution layer over `[batch, channels, height, width]` inputs.
///
/// Initialized as PyTorch's `nn.Conv2d`: weight and bias uniform in `±1/√fanIn` with
/// `fanIn = inChannels·kernelSize²`, drawn from the process-wide generator, weight first.
///
/// ```swift
/// let conv = Conv2D(inChannels: 1, outChannels: 10, kernelSize: 5)
/// conv(images).shape   // [batch, 10, 24, 24] for 28x28 inputs
/// ```
public final class Conv2D: Module {
    /// `[outChannels, inChannels, kernelSize, kernelSize]`.
    public let weight: Tensor
    /// `[outChannels]`, or `nil`.
    public let bias: Tensor?
    /// Step between windows, in pixels.
    public let stride: Int
    /// Zeros added on each side of the image.
    public let padding: Int
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true

    /// A convolution from `inChannels` to `outChannels` with square `kernelSize` windows, initialized as PyTorch's `nn.Conv2d`.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, hasBias: Bool = true) {
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = uniformParameter([outChannels, inChannels, kernelSize, kernelSize], bound: bound)
        bias = hasBias ? uniformParameter([outChannels], bound: bound) : nil
        self.stride = stride
        self.padding = padding
    }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        conv2D(input, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}
