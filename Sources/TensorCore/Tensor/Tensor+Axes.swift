// MARK: - Working along any axis: permuting, slicing, splitting and stacking
//
// Storage is row-major with one optional transposed view, so a result is a view where the
// elements it needs are already one contiguous run (a slice whose outer axes have size 1, a
// permutation that only swaps the last two axes) and a copy otherwise.

extension Tensor {
    /// The tensor with its axes reordered: axis `i` of the result is axis `axes[i]` of `self`
    /// (PyTorch's `permute`). Negative axes count from the end.
    ///
    /// Swapping only the last two axes gives a transposed view; other orders copy once.
    ///
    /// ```swift
    /// let heads = x.reshaped(to: [batch, time, 4, 32]).permuted([0, 2, 1, 3])   // [batch, 4, time, 32]
    /// ```
    /// - Complexity: O(n) for a copy, O(1) for a view.
    public func permuted(_ axes: [Int]) -> Tensor {
        let resolved = axes.map { normalizedAxis($0, rank: rank, in: "permuted(_:)", shape: shape) }
        guard resolved.count == rank, Set(resolved).count == rank else {
            fail("permuted(_:)", "axes \(axes) are not a permutation of the \(rank) axes of shape \(shape)")
        }
        if resolved == Array(0..<rank) { return self }
        if rank >= 2, resolved == Array(0..<(rank - 2)) + [rank - 1, rank - 2] { return transposed() }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in resolved.enumerated() { inverse[axis] = position }
        return Kernels.permute(self, axes: resolved, resultShape: resolved.map { shape[$0] })
            .recorded("permuted(_:)", self) { gradient, _ in [gradient.permuted(inverse)] }
            .annotatingONNX(["perm": resolved.map(Double.init)])
    }

    /// The tensor with axes `first` and `second` swapped (PyTorch's `transpose(dim0, dim1)`).
    public func swappingAxes(_ first: Int, _ second: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(first, rank: rank, in: "swappingAxes", shape: shape),
                    normalizedAxis(second, rank: rank, in: "swappingAxes", shape: shape))
        return permuted(axes)
    }

    /// Positions `range` of axis `axis`, every other axis whole (PyTorch's `narrow` and
    /// `x[:, a:b]`). A view when every axis before `axis` has size 1, a copy otherwise.
    ///
    /// ```swift
    /// let query = qkv.sliced(alongAxis: -1, 0..<128)
    /// ```
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank, in: "sliced(alongAxis:)", shape: shape)
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            fail("sliced(alongAxis:)", "positions \(range) are out of bounds for axis \(axis) of shape \(shape)")
        }
        if range == 0..<shape[axis] { return self }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        if outer == 1 {
            return reshaped(to: [shape[axis], inner])[range].reshaped(to: shapeWith(axis, size: range.count))
        }
        let columns = (range.lowerBound * inner)..<(range.upperBound * inner)
        let length = shape[axis] * inner, fullShape = shape
        return Kernels.sliceColumns(self, outer: outer, length: length, range: columns, resultShape: shapeWith(axis, size: range.count))
            .recorded("sliced(alongAxis:)", self) { gradient, _ in
                [Kernels.placeColumns(gradient, outer: outer, length: length, range: columns, resultShape: fullShape)]
            }
    }

    /// `length` positions of axis `axis` from `start` (PyTorch's `narrow`).
    public func narrowed(alongAxis axis: Int, start: Int, length: Int) -> Tensor {
        sliced(alongAxis: axis, start..<(start + length))
    }

    /// Consecutive pieces of axis `axis` with the given sizes, which must add up to its length
    /// (PyTorch's `split` with a list).
    ///
    /// ```swift
    /// let parts = qkv.split(sizes: [128, 128, 128], alongAxis: -1)   // query, key, value
    /// ```
    public func split(sizes: [Int], alongAxis axis: Int) -> [Tensor] {
        let resolved = normalizedAxis(axis, rank: rank, in: "split(sizes:)", shape: shape)
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[resolved] else {
            fail("split(sizes:)", "sizes \(sizes) do not add up to axis \(axis) of shape \(shape)")
        }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(alongAxis: resolved, start..<(start + size))
        }
    }

    /// Axis `axis` cut into `count` pieces of equal size, the last smaller when the length does
    /// not divide (PyTorch's `chunk`).
    public func chunked(into count: Int, alongAxis axis: Int) -> [Tensor] {
        let resolved = normalizedAxis(axis, rank: rank, in: "chunked(into:)", shape: shape)
        guard count >= 1 else { fail("chunked(into:)", "needs at least one piece, got \(count) for shape \(shape)") }
        let length = shape[resolved], size = (length + count - 1) / count
        let sizes = stride(from: 0, to: length, by: Swift.max(size, 1)).map { Swift.min(size, length - $0) }
        return split(sizes: sizes, alongAxis: resolved)
    }

    /// `tensors`, all of one shape, joined along a new axis `axis` (PyTorch's `stack`).
    ///
    /// ```swift
    /// Tensor(stacking: [a, b, c], alongAxis: 0)   // three [4, 5] give [3, 4, 5]
    /// ```
    public convenience init(stacking tensors: [Tensor], alongAxis axis: Int = 0) {
        guard let first = tensors.first else { fail("Tensor(stacking:)", "needs at least one tensor") }
        let position = axis < 0 ? axis + first.rank + 1 : axis
        guard (0...first.rank).contains(position) else {
            fail("Tensor(stacking:)", "axis \(axis) is out of range for shape \(first.shape)")
        }
        if let other = tensors.first(where: { $0.shape != first.shape }) {
            fail("Tensor(stacking:)", "shapes \(first.shape) and \(other.shape) differ")
        }
        self.init(concatenating: tensors.map { $0.expandingShape(at: position) }, alongAxis: position)
    }

    /// `value` where `mask` is non-zero and this tensor's element elsewhere; `mask` broadcasts to
    /// this shape (PyTorch's `masked_fill`). The gradient passes only where the mask is zero.
    ///
    /// ```swift
    /// let causal = Tensor(ones: [t, t]).upperTriangular(diagonal: 1)
    /// let scores = raw.maskedFill(where: causal, with: -.infinity)
    /// ```
    public func maskedFill(where mask: Tensor, with value: Float) -> Tensor {
        guard broadcastShape(mask.shape, shape, operation: "maskedFill") == shape else {
            fail("maskedFill", "mask of shape \(mask.shape) does not broadcast to shape \(shape)")
        }
        return Tensor.where(mask, Tensor(value), self)
    }

    /// The elements on and below diagonal `diagonal` of the last two axes, zeros elsewhere
    /// (PyTorch's `tril`). Diagonal 0 is the main one, positive values are above it.
    public func lowerTriangular(diagonal: Int = 0) -> Tensor {
        self * triangularMask(keepingLower: true, diagonal: diagonal)
    }

    /// The elements on and above diagonal `diagonal` of the last two axes, zeros elsewhere
    /// (PyTorch's `triu`).
    public func upperTriangular(diagonal: Int = 0) -> Tensor {
        self * triangularMask(keepingLower: false, diagonal: diagonal)
    }

    private func triangularMask(keepingLower: Bool, diagonal: Int) -> Tensor {
        guard rank >= 2 else { fail("triangular mask", "needs at least 2 dimensions, got shape \(shape)") }
        let rows = shape[rank - 2], columns = shape[rank - 1]
        var values = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns where keepingLower ? column - row <= diagonal : column - row >= diagonal {
                values[row * columns + column] = 1
            }
        }
        return Tensor(values, shape: [rows, columns])
    }

    private func shapeWith(_ axis: Int, size: Int) -> [Int] {
        var result = shape
        result[axis] = size
        return result
    }
}
