import CKernels

// Convolution and pooling loops over `[batch, channels, height, width]` tensors. Every loop
// splits the batch across tasks; each sample's output is written by one task only.

/// The sizes of one 2-D convolution or pooling window sweep.
///
/// The derived sizes are stored, not computed: the kernels read them in their innermost loops,
/// where a division per access was measurable.
struct WindowGeometry {
    let batch: Int, channels: Int, height: Int, width: Int
    let kernelHeight: Int, kernelWidth: Int
    let stride: Int, padding: Int
    let outputHeight: Int, outputWidth: Int
    /// Output positions per sample and channel.
    let positions: Int
    /// Values in one window across all channels: one row of the im2col matrix.
    let windowLength: Int

    init(batch: Int, channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        outputHeight = (height + 2 * padding - kernelHeight) / stride + 1
        outputWidth = (width + 2 * padding - kernelWidth) / stride + 1
        positions = outputHeight * outputWidth
        windowLength = channels * kernelHeight * kernelWidth
    }
}

extension Kernels {
    /// The im2col matrix in channel-major layout, `[channels·kh·kw, batch·positions]`: row
    /// `(c, kh, kw)` holds, for every sample and output position, the input value under that
    /// kernel tap (zero in the padding). Each copy is a run along an output row (`outputWidth`
    /// values), and each task fills its own rows.
    static func im2colChannelMajor(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let columns = g.batch * g.positions
        let result = Tensor(uninitializedShape: [g.windowLength, columns])
        let output = result.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: g.windowLength, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(columns, 1))) { rows in
                for row in rows {
                    let c = row / (g.kernelHeight * g.kernelWidth)
                    let kh = (row / g.kernelWidth) % g.kernelHeight, kw = row % g.kernelWidth
                    for n in 0..<g.batch {
                        let plane = input + (n * g.channels + c) * g.height * g.width
                        var destination = output + row * columns + n * g.positions
                        for oh in 0..<g.outputHeight {
                            let ih = oh * g.stride - g.padding + kh
                            let left = kw - g.padding
                            if ih < 0 || ih >= g.height {
                                destination.update(repeating: 0, count: g.outputWidth)
                            } else if g.padding == 0 && g.stride == 1 {
                                let source = plane + ih * g.width + left
                                for ow in 0..<g.outputWidth { destination[ow] = source[ow] }
                            } else {
                                let line = plane + ih * g.width
                                for ow in 0..<g.outputWidth {
                                    let iw = ow * g.stride + left
                                    destination[ow] = iw >= 0 && iw < g.width ? line[iw] : 0
                                }
                            }
                            destination += g.outputWidth
                        }
                    }
                }
            }
        }
        return result
    }

    /// The adjoint of `im2colChannelMajor`: every value added back into the input position its
    /// tap read, giving `[batch, channels, height, width]`. Tasks own whole samples.
    static func col2imChannelMajor(_ columnsTensor: Tensor, _ g: WindowGeometry) -> Tensor {
        let columns = g.batch * g.positions
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        columnsTensor.withElements { elements in
            let source = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                for n in samples {
                    for row in 0..<g.windowLength {
                        let c = row / (g.kernelHeight * g.kernelWidth)
                        let kh = (row / g.kernelWidth) % g.kernelHeight, kw = row % g.kernelWidth
                        let plane = output + (n * g.channels + c) * g.height * g.width
                        var run = source + row * columns + n * g.positions
                        for oh in 0..<g.outputHeight {
                            let ih = oh * g.stride - g.padding + kh
                            let left = kw - g.padding
                            if ih >= 0 && ih < g.height {
                                let line = plane + ih * g.width
                                if g.padding == 0 && g.stride == 1 {
                                    let destination = line + left
                                    for ow in 0..<g.outputWidth { destination[ow] += run[ow] }
                                } else {
                                    for ow in 0..<g.outputWidth {
                                        let iw = ow * g.stride + left
                                        if iw >= 0 && iw < g.width { line[iw] += run[ow] }
                                    }
                                }
                            }
                            run += g.outputWidth
                        }
                    }
                }
            }
        }
        return result
    }

    /// `x` viewed as `[a, b, block]` with its first two axes swapped: `[b, a, block]`, moving
    /// whole blocks.
    static func swapLeadingAxes(_ x: Tensor, _ a: Int, _ b: Int, block: Int, resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let output = result.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: b, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(a * block, 1))) { range in
                for j in range {
                    for i in 0..<a { (output + (j * a + i) * block).update(from: input + (i * b + j) * block, count: block) }
                }
            }
        }
        return result
    }

    /// `W·cols + bias` for the channel-major convolution: `[outChannels, columns]`, each row
    /// started at its bias and accumulated by one BLAS product.
    static func convolutionProduct(_ weight: Tensor, _ columnsTensor: Tensor, bias: Tensor?, outChannels: Int, window: Int, columns: Int) -> Tensor {
        let result = Tensor(uninitializedShape: [outChannels, columns])
        let c = result.storage.base
        if let bias {
            bias.withElements { b in
                for o in 0..<outChannels { (c + o * columns).update(repeating: b[o], count: columns) }
            }
        }
        weight.withElements { w in
            columnsTensor.withElements { x in
                gemm(MatrixOperand(base: w.baseAddress!, transposed: false, leadingDimension: window, batchStride: 0),
                     MatrixOperand(base: x.baseAddress!, transposed: false, leadingDimension: columns, batchStride: 0),
                     into: c, m: outChannels, n: columns, k: window, beta: bias == nil ? 0 : 1)
            }
        }
        return result
    }

    /// Direct convolution of single-channel inputs (a network's first layer), stride 1, no
    /// padding: each output row is accumulated from `kh·kw` shifted input rows at the active
    /// instruction set's width (CKernels), with no im2col matrix. Tasks own whole samples.
    static func convolveSingleChannel(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: WindowGeometry, outChannels: Int) -> Tensor {
        let result = Tensor(uninitializedShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
        let output = result.storage.base
        let biases = bias?.scalars ?? []
        x.withElements { elements in
            weight.withElements { weights in
                let input = elements.baseAddress!, w = weights.baseAddress!
                Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                    for n in samples {
                        let image = input + n * g.height * g.width, planes = output + n * outChannels * g.positions
                        biases.withUnsafeBufferPointer { b in
                            // An empty array means no bias: the kernel starts each row at 0.
                            swifttrain_conv1_forward(image, w, b.isEmpty ? nil : b.baseAddress, planes, Int32(outChannels), Int32(g.height),
                                                     Int32(g.width), Int32(g.kernelHeight), Int32(g.kernelWidth))
                        }
                    }
                }
            }
        }
        return result
    }

    /// The weight gradient of `convolveSingleChannel`: for each output channel and tap, the sum
    /// over samples and positions of the upstream gradient times the input under that tap.
    /// Tasks own output channels; each sum runs in a fixed order.
    static func convolveSingleChannelWeightGradient(_ x: Tensor, _ gradient: Tensor, _ g: WindowGeometry, outChannels: Int) -> Tensor {
        let taps = g.kernelHeight * g.kernelWidth
        let result = Tensor(uninitializedShape: [outChannels, 1, g.kernelHeight, g.kernelWidth])
        let output = result.storage.base
        x.withElements { elements in
            gradient.withElements { gradients in
                let input = elements.baseAddress!, upstream = gradients.baseAddress!
                Parallel.forEachChunk(count: outChannels, minimumChunk: 1) { channels in
                    for o in channels {
                        swifttrain_conv1_weight_gradient(input, upstream, output + o * taps, Int32(o), Int32(g.batch), Int32(outChannels),
                                                         Int32(g.height), Int32(g.width), Int32(g.kernelHeight), Int32(g.kernelWidth))
                    }
                }
            }
        }
        return result
    }
}

extension WindowGeometry {
    /// Calls `body` for each output position with the in-plane offsets its window covers
    /// (positions in the padding are left out).
    @inline(__always)
    func forEachWindow(_ body: (_ position: Int, _ offsets: [Int]) -> Void) {
        var offsets: [Int] = []
        offsets.reserveCapacity(kernelHeight * kernelWidth)
        for oh in 0..<outputHeight {
            for ow in 0..<outputWidth {
                offsets.removeAll(keepingCapacity: true)
                for kh in 0..<kernelHeight {
                    let ih = oh * stride - padding + kh
                    guard ih >= 0 && ih < height else { continue }
                    for kw in 0..<kernelWidth {
                        let iw = ow * stride - padding + kw
                        if iw >= 0 && iw < width { offsets.append(ih * width + iw) }
                    }
                }
                body(oh * outputWidth + ow, offsets)
            }
        }
    }
}
