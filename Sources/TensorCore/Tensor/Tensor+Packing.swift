/// Flat buffers of many tensors: how gradients travel in one collective (communication buckets,
/// sharded optimizers) and how image bytes become normalized batches.
extension Tensor {
    /// Copies the elements of `tensors` (zeros for nil) back to back into `buffer` from `offset`,
    /// each multiplied by `scale`. `counts` gives each tensor's element count.
    /// - Complexity: O(total elements), one pass, no allocation.
    public static func pack(_ tensors: [Tensor?], counts: [Int], into buffer: inout [Float], at offset: Int, scale: Float) {
        guard offset >= 0, offset + counts.reduce(0, +) <= buffer.count else {
            fail("Tensor.pack", "\(counts.reduce(0, +)) elements from offset \(offset) do not fit a buffer of \(buffer.count)")
        }
        Kernels.pack(tensors, counts: counts, into: &buffer, at: offset, scale: scale)
    }

    /// Elements `range` of the concatenation of `tensors` (zeros for nil), each multiplied by
    /// `scale`: a rank's shard of the flat vector that ``pack(_:counts:into:at:scale:)`` would
    /// fill, without building the whole vector.
    /// - Complexity: O(`range.count`) plus one step per tensor.
    public static func packing(_ tensors: [Tensor?], counts: [Int], range: Range<Int>, scale: Float) -> [Float] {
        guard range.lowerBound >= 0, range.upperBound <= counts.reduce(0, +) else {
            fail("Tensor.packing", "range \(range) is outside the \(counts.reduce(0, +)) elements of the tensors")
        }
        return Kernels.packing(tensors, counts: counts, range: range, scale: scale)
    }

    /// New tensors of `shapes` from consecutive runs of `buffer`: the inverse of
    /// ``pack(_:counts:into:at:scale:)`` for tensors that do not exist yet (a gathered shard).
    /// - Complexity: O(total elements).
    public static func splitting(_ buffer: [Float], into shapes: [[Int]]) -> [Tensor] {
        let counts = shapes.map { $0.reduce(1, *) }
        guard counts.reduce(0, +) <= buffer.count else {
            fail("Tensor.splitting", "\(counts.reduce(0, +)) elements for shapes \(shapes) from a buffer of \(buffer.count)")
        }
        var start = 0
        return zip(shapes, counts).map { shape, count in
            defer { start += count }
            return Tensor(Array(buffer[start..<(start + count)]), shape: shape)
        }
    }

    /// Writes consecutive runs of `buffer` from `offset`, each multiplied by `scale`, into the
    /// elements of `tensors`, in place (their storage, and so every view of it, changes).
    /// - Complexity: O(total elements), one pass.
    public static func unpack(_ buffer: [Float], at offset: Int, into tensors: [Tensor], scale: Float) {
        let total = tensors.reduce(0) { $0 + $1.scalarCount }
        guard offset >= 0, offset + total <= buffer.count else {
            fail("Tensor.unpack", "\(total) elements from offset \(offset) do not fit a buffer of \(buffer.count)")
        }
        Kernels.unpack(buffer, at: offset, into: tensors, scale: scale)
    }

    /// A `[rows.count × rowLength]` tensor (reshaped to `shape`) of rows `rows` of a byte matrix
    /// with `rowLength` columns, each byte mapped through `table` (256 entries): image batches
    /// normalized in one lookup per pixel, without a float copy of the data set.
    public static func gathering(rows: [Int], of bytes: [UInt8], rowLength: Int, through table: [Float], shape: [Int]) -> Tensor {
        guard table.count == 256 else { fail("Tensor.gathering", "the table needs 256 entries, got \(table.count)") }
        guard shape.reduce(1, *) == rows.count * rowLength else {
            fail("Tensor.gathering", "shape \(shape) does not hold \(rows.count) rows of \(rowLength)")
        }
        let rowCount = rowLength > 0 ? bytes.count / rowLength : 0
        if let bad = rows.first(where: { !(0..<rowCount).contains($0) }) {
            fail("Tensor.gathering", "row \(bad) is outside the \(rowCount) rows of the byte matrix")
        }
        return Kernels.gatherBytes(bytes, rows: rows, rowLength: rowLength, table: table, shape: shape)
    }
}
