/// An n-dimensional array of integer indices: token ids, class labels, positions.
///
/// Indices are never stored as floats (a `Float` holds integers exactly only up to 2²⁴, and a
/// float label can be 2.5). An index tensor is a value type; it records no operations, because
/// nothing is differentiated with respect to an index. ``Embedding``, ``crossEntropy(logits:targets:ignoreIndex:labelSmoothing:reduction:)``
/// take it.
///
/// ```swift
/// let tokens = IndexTensor([[5, 1, 4], [2, 0, 3]])   // shape [2, 3]
/// let vectors = embedding(tokens)                     // [2, 3, width]
/// ```
public struct IndexTensor: Sendable, Hashable {
    /// The size of each dimension, outermost first.
    public let shape: [Int]
    /// The indices in row-major order.
    public let values: [Int32]

    /// A tensor of `shape` holding `values` in row-major order.
    public init(_ values: [Int32], shape: [Int]) {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            fail("IndexTensor", "\(values.count) values do not fill shape \(shape)")
        }
        self.shape = shape
        self.values = values
    }

    /// A tensor of `shape` holding `values` in row-major order.
    public init(_ values: [Int], shape: [Int]) {
        self.init(values.map { Int32(clamping: $0) }, shape: shape)
    }

    /// A one-dimensional tensor.
    public init(_ values: [Int]) {
        self.init(values, shape: [values.count])
    }

    /// A two-dimensional tensor from equal-length rows.
    public init(_ rows: [[Int]]) {
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else { fail("IndexTensor", "rows have different lengths") }
        self.init(rows.flatMap { $0 }, shape: [rows.count, width])
    }

    /// The class indices held in a float label tensor, checked to be whole numbers (how a
    /// ``LabeledBatch`` built from floats crosses over to the index API).
    public init(exactly tensor: Tensor) {
        let scalars = tensor.scalars
        guard let bad = scalars.firstIndex(where: { $0 != $0.rounded() || Swift.abs($0) > 16_777_216 }) else {
            self.init(scalars.map { Int32($0) }, shape: tensor.shape)
            return
        }
        fail("IndexTensor(exactly:)", "element \(bad) of shape \(tensor.shape) is \(scalars[bad]), not a whole number")
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var scalarCount: Int { values.count }

    /// The same indices with a new shape; one dimension may be `-1` and is then inferred.
    public func reshaped(to newShape: [Int]) -> IndexTensor {
        var resolved = newShape
        if let axis = newShape.firstIndex(of: -1) {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            resolved[axis] = known > 0 ? scalarCount / known : 0
        }
        guard resolved.reduce(1, *) == scalarCount else {
            fail("IndexTensor.reshaped(to:)", "cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
        }
        return IndexTensor(values, shape: resolved)
    }

    /// Rows `range` of the first axis.
    public subscript(range: Range<Int>) -> IndexTensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            fail("IndexTensor.subscript(range)", "rows \(range) are out of bounds for shape \(shape)")
        }
        let rowLength = scalarCount / Swift.max(shape[0], 1)
        return IndexTensor(Array(values[(range.lowerBound * rowLength)..<(range.upperBound * rowLength)]),
                           shape: [range.count] + shape.dropFirst())
    }

    /// The rows at `indices` along the first axis, in that order.
    public func gathering(atIndices indices: [Int]) -> IndexTensor {
        guard rank >= 1 else { fail("IndexTensor.gathering(atIndices:)", "needs at least 1 dimension, got shape \(shape)") }
        let rowLength = scalarCount / Swift.max(shape[0], 1)
        var result: [Int32] = []
        result.reserveCapacity(indices.count * rowLength)
        for index in indices {
            guard (0..<shape[0]).contains(index) else {
                fail("IndexTensor.gathering(atIndices:)", "index \(index) is out of bounds for shape \(shape)")
            }
            result.append(contentsOf: values[(index * rowLength)..<((index + 1) * rowLength)])
        }
        return IndexTensor(result, shape: [indices.count] + shape.dropFirst())
    }

    /// The indices as floats (for metrics and arithmetic that need a ``Tensor``).
    public var floats: Tensor {
        Tensor(values.map(Float.init), shape: shape)
    }
}
