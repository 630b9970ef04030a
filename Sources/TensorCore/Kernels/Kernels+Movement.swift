import CKernels

// Copies that move elements: transposition into row-major order, gathers and scatters along the
// first axis, concatenation and padding.

extension Kernels {
    /// The row-major elements of a transposed view: each `rows`×`columns` matrix of the source
    /// storage written as `columns`×`rows`, in cache-sized tiles.
    static func transposeCopy(_ x: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        // Logical shape [..., m, n]; storage holds [..., n, m].
        let m = x.shape[x.rank - 2], n = x.shape[x.rank - 1]
        let batch = x.scalarCount / max(m * n, 1)
        let source = UnsafePointer(x.storage.base + x.offset)
        let destination = result.storage.base
        let tile = 32
        // Batch entries are independent: split them across cores.
        Parallel.forEachChunk(count: batch, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(m * n, 1))) { entries in
            for entry in entries {
                let s = source + entry * m * n, d = destination + entry * m * n
                for i0 in stride(from: 0, to: m, by: tile) {
                    for j0 in stride(from: 0, to: n, by: tile) {
                        for i in i0..<min(i0 + tile, m) {
                            for j in j0..<min(j0 + tile, n) { d[i * n + j] = s[j * m + i] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Rows `indices` of `x` (first axis), stacked.
    static func gatherRows(_ x: Tensor, _ indices: [Int], resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let rowLength = x.rank == 0 ? 1 : x.scalarCount / max(x.shape[0], 1)
        let z = result.storage.base
        x.withElements { elements in
            let p = elements.baseAddress!
            for (row, index) in indices.enumerated() {
                (z + row * rowLength).update(from: p + index * rowLength, count: rowLength)
            }
        }
        return result
    }

    /// A zero tensor of `shape` with `rows` added at first-axis positions `indices` (repeated
    /// indices accumulate): the adjoint of `gatherRows`.
    static func scatterAddRows(_ rows: Tensor, _ indices: [Int], shape: [Int]) -> Tensor {
        let result = Tensor(zeros: shape)
        let rowLength = rows.rank == 0 ? 1 : rows.scalarCount / max(rows.shape[0], 1)
        let z = result.storage.base
        rows.withElements { elements in
            let p = elements.baseAddress!
            for (row, index) in indices.enumerated() {
                let destination = z + index * rowLength, source = p + row * rowLength
                for i in 0..<rowLength { destination[i] += source[i] }
            }
        }
        return result
    }

    /// `parts` joined along an axis; each part is viewed as `[outer, partLength]`.
    static func concatenate(_ parts: [Tensor], outer: Int, partLengths: [Int], resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let total = partLengths.reduce(0, +)
        var column = 0
        for (part, length) in Swift.zip(parts, partLengths) {
            part.withElements { elements in
                let p = elements.baseAddress!
                for row in 0..<outer {
                    (result.storage.base + row * total + column).update(from: p + row * length, count: length)
                }
            }
            column += length
        }
        return result
    }

    /// Columns `range` of `x` viewed as `[outer, length]`: the adjoint of `concatenate`.
    static func sliceColumns(_ x: Tensor, outer: Int, length: Int, range: Range<Int>, resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        x.withElements { elements in
            let p = elements.baseAddress!
            for row in 0..<outer {
                (result.storage.base + row * range.count).update(from: p + row * length + range.lowerBound, count: range.count)
            }
        }
        return result
    }

    /// A zero tensor of `shape` with `x` written at flat element offset `start`.
    static func pad(_ x: Tensor, into shape: [Int], at start: Int) -> Tensor {
        let result = Tensor(zeros: shape)
        x.withElements { elements in
            (result.storage.base + start).update(from: elements.baseAddress!, count: elements.count)
        }
        return result
    }

    /// A tensor of `shape` with every element `value`.
    static func filled(_ shape: [Int], with value: Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.storage.base.update(repeating: value, count: result.scalarCount)
        return result
    }

    /// A tensor with the elements of `values`.
    static func copied(_ values: [Float], shape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        values.withUnsafeBufferPointer { buffer in
            if let source = buffer.baseAddress { result.storage.base.update(from: source, count: buffer.count) }
        }
        return result
    }

    /// Replaces `target`'s elements with `source`'s (same count), writing in place.
    static func assign(_ target: Tensor, from source: Tensor) {
        source.withElements { elements in
            target.withMutableElements { $0.baseAddress!.update(from: elements.baseAddress!, count: elements.count) }
        }
    }
}

extension Kernels {
    /// Rows `rows` of a byte matrix with `rowLength` columns, each byte mapped through `table`
    /// (256 entries): how image batches are normalized without a float copy of the dataset.
    static func gatherBytes(_ bytes: [UInt8], rows: [Int], rowLength: Int, table: [Float], shape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let output = result.storage.base
        bytes.withUnsafeBufferPointer { source in
            table.withUnsafeBufferPointer { lookup in
                rows.withUnsafeBufferPointer { selected in
                    // `Int` is C's `long` here; tasks own whole rows.
                    Parallel.forEachChunk(count: selected.count, minimumChunk: max(1, Parallel.minimumElementsPerTask / max(rowLength, 1))) { range in
                        selected.baseAddress!.withMemoryRebound(to: CLong.self, capacity: selected.count) { rowIndices in
                            swifttrain_gather_bytes(source.baseAddress!, rowIndices + range.lowerBound, range.count, rowLength,
                                                    lookup.baseAddress!, output + range.lowerBound * rowLength)
                        }
                    }
                }
            }
        }
        return result
    }
}

extension Kernels {
    /// Copies the elements of `tensors` (or zeros for nil) back to back into `buffer` from
    /// `offset`, each multiplied by `scale`: packing gradients into a communication bucket.
    static func pack(_ tensors: [Tensor?], counts: [Int], into buffer: inout [Float], at offset: Int, scale: Float) {
        buffer.withUnsafeMutableBufferPointer { destination in
            var position = destination.baseAddress! + offset
            for (tensor, count) in Swift.zip(tensors, counts) {
                if let tensor {
                    tensor.withElements { source in
                        for i in 0..<count { position[i] = source[i] * scale }
                    }
                } else {
                    position.update(repeating: 0, count: count)
                }
                position += count
            }
        }
    }

    /// Writes `values` over the whole of `storage` (a restored parameter).
    static func copy(_ values: [Float], into storage: TensorStorage) {
        values.withUnsafeBufferPointer { source in
            guard let start = source.baseAddress else { return }
            storage.base.update(from: start, count: source.count)
        }
    }

    /// Elements `range` of the concatenation of `tensors` (zeros for nil), each multiplied by
    /// `scale`: one rank's shard of a flat parameter or gradient vector, without the whole vector.
    static func packing(_ tensors: [Tensor?], counts: [Int], range: Range<Int>, scale: Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: range.count) { destination, initialized in
            var start = 0
            for (tensor, count) in Swift.zip(tensors, counts) {
                let low = Swift.max(start, range.lowerBound), high = Swift.min(start + count, range.upperBound)
                if low < high {
                    let overlap = low..<high
                    let target = destination.baseAddress! + (overlap.lowerBound - range.lowerBound)
                    if let tensor {
                        tensor.withElements { source in
                            for i in 0..<overlap.count { target[i] = source[overlap.lowerBound - start + i] * scale }
                        }
                    } else {
                        target.initialize(repeating: 0, count: overlap.count)
                    }
                }
                start += count
            }
            initialized = range.count
        }
    }

    /// Writes consecutive runs of `buffer` from `offset`, each multiplied by `scale`, into the
    /// elements of `tensors` in place.
    static func unpack(_ buffer: [Float], at offset: Int, into tensors: [Tensor], scale: Float) {
        buffer.withUnsafeBufferPointer { source in
            var position = source.baseAddress! + offset
            for tensor in tensors {
                tensor.withMutableElements { destination in
                    for i in 0..<destination.count { destination[i] = position[i] * scale }
                    position += destination.count
                }
            }
        }
    }
}

extension Kernels {
    /// The elements of `x` with its axes reordered: result axis `i` is source axis `axes[i]`.
    /// One strided read per element, the innermost loop along the result's last axis.
    static func permute(_ x: Tensor, axes: [Int], resultShape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: resultShape)
        let rank = x.rank
        var sourceStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[axis] = sourceStrides[axis + 1] * x.shape[axis + 1] }
        let strides = axes.map { sourceStrides[$0] }
        let innerCount = resultShape.last ?? 1, innerStride = strides.last ?? 1
        let rows = result.scalarCount / Swift.max(innerCount, 1)
        x.withElements { elements in
            let source = elements.baseAddress!, destination = result.storage.base
            Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, Parallel.minimumElementsPerTask / Swift.max(innerCount, 1))) { chunk in
                for row in chunk {
                    var remainder = row, start = 0
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        start += (remainder % resultShape[axis]) * strides[axis]
                        remainder /= resultShape[axis]
                    }
                    let d = destination + row * innerCount, s = source + start
                    for i in 0..<innerCount { d[i] = s[i * innerStride] }
                }
            }
        }
        return result
    }

    /// A zero tensor of `resultShape`, viewed as `[outer, length]`, with `x` (viewed as
    /// `[outer, range.count]`) written at columns `range`: the adjoint of `sliceColumns`.
    static func placeColumns(_ x: Tensor, outer: Int, length: Int, range: Range<Int>, resultShape: [Int]) -> Tensor {
        let result = Tensor(zeros: resultShape)
        x.withElements { elements in
            let p = elements.baseAddress!
            for row in 0..<outer {
                (result.storage.base + row * length + range.lowerBound).update(from: p + row * range.count, count: range.count)
            }
        }
        return result
    }
}
