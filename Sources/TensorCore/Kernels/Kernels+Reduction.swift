// Reductions. Each output element is accumulated by one task in a fixed order, and whole-tensor
// sums split into chunks of a fixed size whose partial sums are added in chunk order, so results
// are bit-identical whatever the number of threads.

extension Kernels {
    /// Elements per partial sum of a whole-tensor reduction (fixed: never derived from the
    /// thread count).
    static let reductionChunk = 1 << 14

    /// Sum of `count` contiguous elements, 16 lanes at a time.
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            total += p[i]
            i += 1
        }
        return total
    }

    /// The sum of all elements.
    static func sumAll(_ x: Tensor) -> Float {
        x.withElements { elements in
            let p = elements.baseAddress!
            let chunks = (elements.count + reductionChunk - 1) / reductionChunk
            if chunks <= 1 { return sumContiguous(p, elements.count) }
            var partials = [Float](repeating: 0, count: chunks)
            partials.withUnsafeMutableBufferPointer { partial in
                let out = partial.baseAddress!
                Parallel.forEachChunk(count: chunks, minimumChunk: 2) { range in
                    for chunk in range {
                        let start = chunk * reductionChunk
                        out[chunk] = sumContiguous(p + start, min(reductionChunk, elements.count - start))
                    }
                }
            }
            return partials.reduce(0, +)
        }
    }

    /// `x` viewed as `[outer, length, inner]` summed over the middle axis: shape `[outer, inner]`
    /// as a flat tensor of the given `shape`.
    static func sum(_ x: Tensor, outer: Int, length: Int, inner: Int, resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let z = result.storage.base
        x.withElements { elements in
            let p = elements.baseAddress!
            if inner == 1 {
                Parallel.forEachChunk(count: outer, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(length, 1))) { rows in
                    for row in rows { z[row] = sumContiguous(p + row * length, length) }
                }
                return
            }
            // Add whole rows of `inner` elements: long vectorized loops. Tasks split the output
            // (outer rows, or columns when there is a single outer row), never the summed axis.
            // The additions run in the elementwise add loop (CKernels, full vector width); each
            // column still adds its rows in order, so the bits do not depend on the width.
            let work = { (rows: Range<Int>, columns: Range<Int>) in
                for row in rows {
                    let destination = z + row * inner + columns.lowerBound
                    let source = p + row * length * inner + columns.lowerBound
                    destination.update(from: source, count: columns.count)
                    for j in 1..<max(length, 1) {
                        zipRun(UnsafePointer(destination), 1, source + j * inner, 1, destination, count: columns.count,
                                parallel: false, ElementFunction.Add())
                    }
                    if length == 0 { destination.update(repeating: 0, count: columns.count) }
                }
            }
            if outer > 1 {
                Parallel.forEachChunk(count: outer, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(length * inner, 1))) { rows in
                    work(rows, 0..<inner)
                }
            } else {
                Parallel.forEachChunk(count: inner, minimumChunk: max(64, Parallel.minimumElementsPerTask / max(length, 1))) { columns in
                    work(0..<outer, columns)
                }
            }
        }
        return result
    }

    /// The largest (or smallest) element along the middle axis of `x` viewed as
    /// `[outer, length, inner]`, and the index of its first occurrence. NaN counts as larger
    /// (smaller) than everything, so it propagates as in PyTorch.
    static func extremum(_ x: Tensor, outer: Int, length: Int, inner: Int, resultShape: [Int],
                         largest: Bool) -> (values: Tensor, indices: [Int32]) {
        let values = Tensor(uninitializedShape: resultShape)
        var indices = [Int32](repeating: 0, count: outer * inner)
        let z = values.storage.base
        x.withElements { elements in
            let p = elements.baseAddress!
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                let best = indexBuffer.baseAddress!
                for row in 0..<outer {
                    let source = p + row * length * inner
                    let destination = z + row * inner, bestIndex = best + row * inner
                    for column in 0..<inner { destination[column] = source[column] }
                    for j in 1..<max(length, 1) {
                        let line = source + j * inner
                        for column in 0..<inner {
                            let candidate = line[column], current = destination[column]
                            let better = largest ? candidate > current : candidate < current
                            if (better || candidate.isNaN) && !current.isNaN {
                                destination[column] = candidate
                                bestIndex[column] = Int32(j)
                            }
                        }
                    }
                }
            }
        }
        return (values, indices)
    }

    /// Scatters `gradient` (one value per reduced position) to the positions in `indices`
    /// along the middle axis of a `[outer, length, inner]` zero tensor of shape `shape`.
    static func scatter(_ gradient: Tensor, indices: [Int32], outer: Int, length: Int, inner: Int,
                        shape: [Int]) -> Tensor {
        let result = Tensor(zeros: shape)
        let z = result.storage.base
        gradient.withElements { elements in
            let g = elements.baseAddress!
            for row in 0..<outer {
                for column in 0..<inner {
                    let position = row * inner + column
                    z[(row * length + Int(indices[position])) * inner + column] = g[position]
                }
            }
        }
        return result
    }
}
