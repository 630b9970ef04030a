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
    /// The im2col matrix: one row per output position (sample-major), holding that position's
    /// input window across channels, `[batch·positions, channels·kh·kw]`, zeros where the window
    /// overhangs the padded border.
    static func im2col(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let result = Tensor(uninitializedShape: [g.batch * g.positions, g.windowLength])
        let columns = result.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                for n in samples {
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            var row = columns + ((n * g.outputHeight + oh) * g.outputWidth + ow) * g.windowLength
                            if g.padding == 0 {
                                // Every window lies inside the image: straight copies of short runs,
                                // element by element (a memmove call per 5-float run costs more).
                                for c in 0..<g.channels {
                                    let plane = input + (n * g.channels + c) * g.height * g.width
                                    for kh in 0..<g.kernelHeight {
                                        let source = plane + (oh * g.stride + kh) * g.width + ow * g.stride
                                        for kw in 0..<g.kernelWidth { row[kw] = source[kw] }
                                        row += g.kernelWidth
                                    }
                                }
                                continue
                            }
                            for c in 0..<g.channels {
                                let plane = input + (n * g.channels + c) * g.height * g.width
                                for kh in 0..<g.kernelHeight {
                                    let ih = oh * g.stride - g.padding + kh
                                    let left = ow * g.stride - g.padding
                                    if ih < 0 || ih >= g.height {
                                        row.update(repeating: 0, count: g.kernelWidth)
                                    } else if left >= 0 && left + g.kernelWidth <= g.width {
                                        row.update(from: plane + ih * g.width + left, count: g.kernelWidth)
                                    } else {
                                        for kw in 0..<g.kernelWidth {
                                            let iw = left + kw
                                            row[kw] = iw >= 0 && iw < g.width ? plane[ih * g.width + iw] : 0
                                        }
                                    }
                                    row += g.kernelWidth
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The adjoint of `im2col`: each row's values added back into the input positions its
    /// window covered, giving `[batch, channels, height, width]`.
    static func col2im(_ columns: Tensor, _ g: WindowGeometry) -> Tensor {
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        columns.withElements { elements in
            let source = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch, minimumChunk: 1) { samples in
                for n in samples {
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            var row = source + ((n * g.outputHeight + oh) * g.outputWidth + ow) * g.windowLength
                            if g.padding == 0 {
                                for c in 0..<g.channels {
                                    let plane = output + (n * g.channels + c) * g.height * g.width
                                    for kh in 0..<g.kernelHeight {
                                        let destination = plane + (oh * g.stride + kh) * g.width + ow * g.stride
                                        for kw in 0..<g.kernelWidth { destination[kw] += row[kw] }
                                        row += g.kernelWidth
                                    }
                                }
                                continue
                            }
                            for c in 0..<g.channels {
                                let plane = output + (n * g.channels + c) * g.height * g.width
                                for kh in 0..<g.kernelHeight {
                                    let ih = oh * g.stride - g.padding + kh
                                    if ih >= 0 && ih < g.height {
                                        let left = ow * g.stride - g.padding
                                        for kw in 0..<g.kernelWidth where left + kw >= 0 && left + kw < g.width {
                                            plane[ih * g.width + left + kw] += row[kw]
                                        }
                                    }
                                    row += g.kernelWidth
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Max pooling: each output is its window's largest value; `indices` holds, per output, the
    /// offset of that value within its input plane (the first one on ties).
    static func maxPool(_ x: Tensor, _ g: WindowGeometry) -> (values: Tensor, indices: [Int32]) {
        let planes = g.batch * g.channels
        let result = Tensor(uninitializedShape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
        var indices = [Int32](repeating: 0, count: planes * g.positions)
        let output = result.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                let best = indexBuffer.baseAddress!
                Parallel.forEachChunk(count: planes, minimumChunk: 8) { range in
                    for p in range {
                        let plane = input + p * g.height * g.width
                        if g.padding == 0 && g.kernelHeight == 2 && g.kernelWidth == 2 {
                            // The common 2x2 window as a tournament: two independent comparisons,
                            // then one, instead of a chain of four dependent ones (5x faster here).
                            // `x != x` lets a NaN win, as PyTorch propagates it.
                            let w = g.width
                            for oh in 0..<g.outputHeight {
                                for ow in 0..<g.outputWidth {
                                    let corner = oh * g.stride * w + ow * g.stride
                                    let a = plane[corner], b = plane[corner + 1], c = plane[corner + w], d = plane[corner + w + 1]
                                    let right = b > a || b != b, lowerRight = d > c || d != d
                                    let top = right ? b : a, topAt = right ? corner + 1 : corner
                                    let bottom = lowerRight ? d : c, bottomAt = lowerRight ? corner + w + 1 : corner + w
                                    let lower = bottom > top || (bottom != bottom && top == top)
                                    let o = p * g.positions + oh * g.outputWidth + ow
                                    output[o] = lower ? bottom : top
                                    best[o] = Int32(truncatingIfNeeded: lower ? bottomAt : topAt)
                                }
                            }
                            continue
                        }
                        if g.padding == 0 {
                            // No window reaches outside the image: no bounds checks. `v != v`
                            // lets a NaN win and then stay, as PyTorch propagates it.
                            for oh in 0..<g.outputHeight {
                                for ow in 0..<g.outputWidth {
                                    let corner = oh * g.stride * g.width + ow * g.stride
                                    var bestValue = plane[corner], bestOffset = corner
                                    for kh in 0..<g.kernelHeight {
                                        let line = corner + kh * g.width
                                        for kw in 0..<g.kernelWidth {
                                            // Selects, not branches: on real activations the comparison is a
                                            // coin flip, and mispredicted branches cost 4x the whole scan.
                                            let value = plane[line + kw]
                                            let take = value > bestValue || (value != value && bestValue == bestValue)
                                            bestValue = take ? value : bestValue
                                            bestOffset = take ? line + kw : bestOffset
                                        }
                                    }
                                    let o = p * g.positions + oh * g.outputWidth + ow
                                    output[o] = bestValue
                                    best[o] = Int32(bestOffset)
                                }
                            }
                            continue
                        }
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                var bestValue = -Float.infinity, bestOffset = -1
                                for kh in 0..<g.kernelHeight {
                                    let ih = oh * g.stride - g.padding + kh
                                    guard ih >= 0 && ih < g.height else { continue }
                                    for kw in 0..<g.kernelWidth {
                                        let iw = ow * g.stride - g.padding + kw
                                        guard iw >= 0 && iw < g.width else { continue }
                                        let value = plane[ih * g.width + iw]
                                        if value > bestValue || bestOffset < 0 || value.isNaN {
                                            bestValue = value
                                            bestOffset = ih * g.width + iw
                                            if value.isNaN { break }
                                        }
                                    }
                                }
                                let o = p * g.positions + oh * g.outputWidth + ow
                                output[o] = bestValue
                                best[o] = Int32(bestOffset)
                            }
                        }
                    }
                }
            }
        }
        return (result, indices)
    }

    /// Max pooling's pullback: each output gradient added at its recorded input position.
    static func maxPoolBackward(_ gradient: Tensor, indices: [Int32], _ g: WindowGeometry) -> Tensor {
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        gradient.withElements { elements in
            let source = elements.baseAddress!
            let planes = g.batch * g.channels
            Parallel.forEachChunk(count: planes, minimumChunk: 8) { range in
                for p in range {
                    let plane = output + p * g.height * g.width
                    for position in 0..<g.positions {
                        let o = p * g.positions + position
                        plane[Int(indices[o])] += source[o]
                    }
                }
            }
        }
        return result
    }

    /// Average pooling; padding counts as zeros in the average (PyTorch's default
    /// `count_include_pad=True`).
    static func averagePool(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let scale = 1 / Float(g.kernelHeight * g.kernelWidth)
        let result = Tensor(uninitializedShape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
        let output = result.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch * g.channels, minimumChunk: 8) { range in
                for p in range {
                    let plane = input + p * g.height * g.width
                    g.forEachWindow { o, offsets in
                        var total: Float = 0
                        for offset in offsets { total += plane[offset] }
                        output[p * g.positions + o] = total * scale
                    }
                }
            }
        }
        return result
    }

    /// Average pooling's pullback: each output gradient spread evenly over its window.
    static func averagePoolBackward(_ gradient: Tensor, _ g: WindowGeometry) -> Tensor {
        let scale = 1 / Float(g.kernelHeight * g.kernelWidth)
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        gradient.withElements { elements in
            let source = elements.baseAddress!
            Parallel.forEachChunk(count: g.batch * g.channels, minimumChunk: 8) { range in
                for p in range {
                    let plane = output + p * g.height * g.width
                    g.forEachWindow { o, offsets in
                        let share = source[p * g.positions + o] * scale
                        for offset in offsets { plane[offset] += share }
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
