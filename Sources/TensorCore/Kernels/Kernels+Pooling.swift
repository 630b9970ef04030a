import CKernels

// Pooling loops over `[batch, channels, height, width]` tensors, one plane per task at a time
// (see WindowGeometry in Kernels+Convolution.swift).

extension Kernels {
    /// Max pooling: each output is its window's largest value; `indices` holds, per output, the
    /// offset of that value within its input plane (the first one on ties), as whole-number
    /// floats in pooled storage (offsets stay far below 2^24, so they are exact).
    static func maxPool(_ x: Tensor, _ g: WindowGeometry) -> (values: Tensor, indices: Tensor) {
        let planes = g.batch * g.channels
        let result = Tensor(uninitializedShape: [g.batch, g.channels, g.outputHeight, g.outputWidth])
        let indices = Tensor(uninitializedShape: result.shape)
        let output = result.storage.base, best = indices.storage.base
        x.withElements { elements in
            let input = elements.baseAddress!
            Parallel.forEachChunk(count: planes, minimumChunk: 8) { range in
                for p in range {
                    let plane = input + p * g.height * g.width
                    let values = output + p * g.positions, offsets = best + p * g.positions
                    // The 2x2 kernel reports a NaN under its windows; only then does the
                    // NaN-aware loop pool the plane again.
                    if g.padding == 0 && g.kernelHeight == 2 && g.kernelWidth == 2
                        && swifttrain_max_pool_2x2(plane, values, offsets, Int32(g.width), Int32(g.stride),
                                                   Int32(g.outputHeight), Int32(g.outputWidth)) == 0 {
                        continue
                    }
                    if g.padding == 0 {
                        maxPoolUnpadded(plane, values, offsets, g)
                    } else {
                        maxPoolPadded(plane, values, offsets, g)
                    }
                }
            }
        }
        return (result, indices)
    }

    /// Any window without padding: no window reaches outside the image, so no bounds checks.
    /// `v != v` lets a NaN win and then stay, as PyTorch propagates it; selects, not branches:
    /// on real activations the comparison is a coin flip, and mispredicted branches cost 4x the
    /// whole scan.
    @inline(__always)
    static func maxPoolUnpadded(_ plane: UnsafePointer<Float>, _ values: UnsafeMutablePointer<Float>,
                                _ offsets: UnsafeMutablePointer<Float>, _ g: WindowGeometry) {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                let corner = oh * g.stride * g.width + ow * g.stride
                var bestValue = plane[corner], bestOffset = corner
                for kh in 0..<g.kernelHeight {
                    let line = corner + kh * g.width
                    for kw in 0..<g.kernelWidth {
                        let value = plane[line + kw]
                        let take = value > bestValue || (value != value && bestValue == bestValue)
                        bestValue = take ? value : bestValue
                        bestOffset = take ? line + kw : bestOffset
                    }
                }
                values[oh * g.outputWidth + ow] = bestValue
                offsets[oh * g.outputWidth + ow] = Float(bestOffset)
            }
        }
    }

    /// Windows that may reach into the padding: positions outside the image are skipped.
    @inline(__always)
    static func maxPoolPadded(_ plane: UnsafePointer<Float>, _ values: UnsafeMutablePointer<Float>,
                              _ offsets: UnsafeMutablePointer<Float>, _ g: WindowGeometry) {
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
                values[oh * g.outputWidth + ow] = bestValue
                offsets[oh * g.outputWidth + ow] = Float(bestOffset)
            }
        }
    }

    /// Max pooling's pullback: each output gradient added at its recorded input position.
    static func maxPoolBackward(_ gradient: Tensor, indices: Tensor, _ g: WindowGeometry) -> Tensor {
        if g.kernelHeight == 2 && g.kernelWidth == 2 && g.stride == 2 && g.padding == 0
            && g.height == 2 * g.outputHeight && g.width == 2 * g.outputWidth {
            return maxUnpoolTiled(gradient, indices: indices, g)
        }
        let result = Tensor(zeros: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        let offsets = indices.storage.base
        gradient.withElements { elements in
            let source = elements.baseAddress!
            let planes = g.batch * g.channels
            Parallel.forEachChunk(count: planes, minimumChunk: 8) { range in
                for p in range {
                    let plane = output + p * g.height * g.width
                    for position in 0..<g.positions {
                        let o = p * g.positions + position
                        plane[Int(offsets[o])] += source[o]
                    }
                }
            }
        }
        return result
    }

    /// The pullback of 2x2 windows that tile each plane: every plane written whole by one task,
    /// the gradient where the maximum was and zeros elsewhere (no zeroing pass, no scatter).
    private static func maxUnpoolTiled(_ gradient: Tensor, indices: Tensor, _ g: WindowGeometry) -> Tensor {
        let result = Tensor(uninitializedShape: [g.batch, g.channels, g.height, g.width])
        let output = result.storage.base
        indices.withElements { offsets in
            gradient.withElements { elements in
                let source = elements.baseAddress!, at = offsets.baseAddress!
                Parallel.forEachChunk(count: g.batch * g.channels, minimumChunk: 8) { range in
                    for p in range {
                        swifttrain_max_unpool_2x2(source + p * g.positions, at + p * g.positions, output + p * g.height * g.width,
                                                  Int32(g.outputHeight), Int32(g.outputWidth))
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
