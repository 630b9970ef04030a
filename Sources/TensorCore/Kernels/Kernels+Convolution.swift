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
        var window = g.cWindow
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: g.windowLength, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(columns, 1))) { rows in
                for row in rows { swifttrain_im2col_row(input, output, Int32(row), &window) }
            }
        }
        return result
    }

    /// The adjoint of `im2colChannelMajor`: every value added back into the input position its
    /// tap read, giving `[batch, channels, height, width]`. Tasks own whole samples.
    static func col2imChannelMajor(_ columnsTensor: Tensor, _ g: WindowGeometry) -> Tensor {
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        var window = g.cWindow
        columnsTensor.withElements { elements in
            let source = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                for n in samples { swifttrain_col2im_sample(source, output, Int32(n), &window) }
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
    /// Tasks own output channels; each sum runs in a fixed order. With `bias`, the same pass over
    /// the upstream gradient also sums each channel's bias gradient.
    static func convolveSingleChannelWeightGradient(_ x: Tensor, _ gradient: Tensor, _ g: WindowGeometry, outChannels: Int,
                                                    bias: Bool) -> (weight: Tensor, bias: Tensor?) {
        let taps = g.kernelHeight * g.kernelWidth
        let result = Tensor(uninitializedShape: [outChannels, 1, g.kernelHeight, g.kernelWidth])
        let biasResult = bias ? Tensor(uninitializedShape: [outChannels]) : nil
        let output = result.storage.base, biasOutput = biasResult?.storage.base
        x.withElements { elements in
            gradient.withElements { gradients in
                let input = elements.baseAddress!, upstream = gradients.baseAddress!
                Parallel.forEachChunk(count: outChannels, minimumChunk: 1) { channels in
                    for o in channels {
                        swifttrain_conv1_weight_gradient(input, upstream, output + o * taps, biasOutput.map { $0 + o }, Int32(o), Int32(g.batch),
                                                         Int32(outChannels), Int32(g.height), Int32(g.width), Int32(g.kernelHeight), Int32(g.kernelWidth))
                    }
                }
            }
        }
        return (result, biasResult)
    }
}

extension Kernels {
    /// Whether the register-tiled products of CKernels beat BLAS for this convolution: few
    /// output channels and taps (skinny products that OpenBLAS spends as long packing as
    /// multiplying) and whole 16-value vectors of output positions per sample.
    static func prefersBlockProducts(_ g: WindowGeometry, outChannels: Int) -> Bool {
        g.positions % 16 == 0 && outChannels <= 64 && g.windowLength <= 1024
    }

    /// `W·cols + bias` written straight into `[batch, outChannels, outputHeight, outputWidth]`,
    /// by register tiles (CKernels). `source` is the im2col matrix, or the input itself when
    /// `g.readsInputDirectly`. Tasks own whole samples.
    static func blockConvolution(_ weight: Tensor, _ source: Tensor, bias: Tensor?, _ g: WindowGeometry, outChannels: Int) -> Tensor {
        let result = Tensor(uninitializedShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
        let output = result.storage.base
        let columns = g.batch * g.positions, sampleSize = g.channels * g.height * g.width
        let direct = g.readsInputDirectly
        var window = g.cWindow
        withOptionalElements(bias) { b in
            weight.withElements { w in
                source.withElements { x in
                    Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                        for n in samples {
                            let planes = output + n * outChannels * g.positions
                            if direct {
                                swifttrain_convolution_image_forward(w.baseAddress!, x.baseAddress! + n * sampleSize, b, planes,
                                                                     Int32(outChannels), &window)
                            } else {
                                swifttrain_convolution_block_forward(w.baseAddress!, x.baseAddress!, columns, n * g.positions, b, planes,
                                                                     Int32(outChannels), Int32(g.windowLength), Int32(g.positions))
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// `Wᵀ·gradient` in the im2col layout `[windowLength, batch·positions]` (for col2im), read
    /// from the NCHW upstream gradient. Tasks own whole samples.
    static func blockConvolutionInputColumns(_ weight: Tensor, _ gradient: Tensor, _ g: WindowGeometry, outChannels: Int) -> Tensor {
        let columns = g.batch * g.positions
        let result = Tensor(uninitializedShape: [g.windowLength, columns])
        let output = result.storage.base
        weight.withElements { w in
            gradient.withElements { upstream in
                Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                    for n in samples {
                        swifttrain_convolution_block_input_gradient(w.baseAddress!, upstream.baseAddress! + n * outChannels * g.positions,
                                                                    output, columns, n * g.positions,
                                                                    Int32(outChannels), Int32(g.windowLength), Int32(g.positions))
                    }
                }
            }
        }
        return result
    }

    /// The input gradient `[batch, channels, height, width]` added tap by tap straight into the
    /// image, without im2col columns or col2im (when `g.readsInputDirectly`). Tasks own whole
    /// samples.
    static func blockConvolutionInputGradient(_ weight: Tensor, _ gradient: Tensor, _ g: WindowGeometry, outChannels: Int) -> Tensor {
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base, sampleSize = g.channels * g.height * g.width
        var window = g.cWindow
        weight.withElements { w in
            gradient.withElements { upstream in
                Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                    for n in samples {
                        swifttrain_convolution_image_input_gradient(w.baseAddress!, upstream.baseAddress! + n * outChannels * g.positions,
                                                                    output + n * sampleSize, Int32(outChannels), &window)
                    }
                }
            }
        }
        return result
    }

    /// The weight gradient `gradient·colsᵀ` as `[outChannels, windowLength]`, from the NCHW
    /// upstream gradient and the im2col matrix (or the input itself, as in `blockConvolution`).
    /// Tasks own 4x4 tiles of the result. With `bias`, the tiles of the first taps also sum the
    /// bias gradient from the values they read.
    static func blockConvolutionWeightGradient(_ gradient: Tensor, _ source: Tensor, _ g: WindowGeometry, outChannels: Int,
                                               bias: Bool) -> (weight: Tensor, bias: Tensor?) {
        let result = Tensor(uninitializedShape: [outChannels, g.windowLength])
        let biasResult = bias ? Tensor(uninitializedShape: [outChannels]) : nil
        let output = result.storage.base, biasOutput = biasResult?.storage.base
        let rowTiles = (outChannels + 3) / 4, tapTiles = (g.windowLength + 3) / 4
        let direct = g.readsInputDirectly
        var window = g.cWindow
        gradient.withElements { upstream in
            source.withElements { x in
                Parallel.forEachChunk(count: rowTiles * tapTiles, minimumChunk: 1) { tiles in
                    for tile in tiles {
                        let row = Int32(tile / tapTiles * 4), tap = Int32(tile % tapTiles * 4)
                        if direct {
                            swifttrain_convolution_image_weight_gradient(upstream.baseAddress!, x.baseAddress!, output, biasOutput,
                                                                         Int32(outChannels), &window, row, tap)
                        } else {
                            swifttrain_convolution_block_weight_gradient(upstream.baseAddress!, x.baseAddress!, output, biasOutput, Int32(g.batch),
                                                                         Int32(outChannels), Int32(g.windowLength), Int32(g.positions), row, tap)
                        }
                    }
                }
            }
        }
        return (result, biasResult)
    }
}

extension WindowGeometry {
    /// Whether the block products can read their taps from the input itself (stride 1, no
    /// padding, vectors of whole output rows or two rows of 8), with no im2col matrix.
    var readsInputDirectly: Bool {
        var window = cWindow
        return swifttrain_convolution_reads_image(&window) != 0
    }

    /// The sizes as the C kernels take them.
    var cWindow: swifttrain_window {
        swifttrain_window(batch: Int32(batch), channels: Int32(channels), height: Int32(height), width: Int32(width),
                          kernel_height: Int32(kernelHeight), kernel_width: Int32(kernelWidth), stride: Int32(stride),
                          padding: Int32(padding), output_height: Int32(outputHeight), output_width: Int32(outputWidth))
    }

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
