// MARK: - Gathering and joining

extension Tensor {
    /// The rows at `indices` along the first axis, in that order (PyTorch's `index_select` on
    /// dimension 0). This is how a batch is cut from a dataset: one copy per row, no per-sample
    /// objects.
    ///
    /// ```swift
    /// let batch = images.gathering(atIndices: [5, 0, 3])   // shape [3, 784]
    /// ```
    public func gathering(atIndices indices: [Int]) -> Tensor {
        guard rank >= 1 else { fail("gathering(atIndices:)", "needs at least 1 dimension, got shape \(shape)") }
        if let bad = indices.first(where: { !(0..<shape[0]).contains($0) }) {
            fail("gathering(atIndices:)", "index \(bad) is out of bounds for shape \(shape)")
        }
        var resultShape = shape
        resultShape[0] = indices.count
        let inputShape = shape
        return Kernels.gatherRows(self, indices, resultShape: resultShape)
            .recorded("gathering(atIndices:)", self) { gradient, _ in
                [Kernels.scatterAddRows(gradient, indices, shape: inputShape)]
            }
    }

    /// `tensors` joined along `axis`; all other dimensions must agree.
    ///
    /// ```swift
    /// Tensor(concatenating: [a, b], alongAxis: 1)   // [2, 3] and [2, 5] give [2, 8]
    /// ```
    public convenience init(concatenating tensors: [Tensor], alongAxis axis: Int = 0) {
        guard let first = tensors.first else { fail("Tensor(concatenating:)", "needs at least one tensor") }
        let axis = normalizedAxis(axis, rank: first.rank, in: "Tensor(concatenating:)", shape: first.shape)
        for tensor in tensors where tensor.rank != first.rank
            || zip(tensor.shape, first.shape).enumerated().contains(where: { $0.offset != axis && $0.element.0 != $0.element.1 }) {
            fail("Tensor(concatenating:)", "shapes \(first.shape) and \(tensor.shape) differ outside axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let lengths = tensors.map { $0.shape[axis...].reduce(1, *) }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let total = lengths.reduce(0, +)
        let joined = Kernels.concatenate(tensors, outer: outer, partLengths: lengths, resultShape: shape)
        self.init(shape: shape, storage: joined.storage)
        var start = 0
        let ranges = lengths.map { length -> Range<Int> in defer { start += length }; return start..<(start + length) }
        // A convenience initializer cannot return another tensor, so the operation is recorded on `self`.
        recorded("Tensor(concatenating:)", inputs: tensors) { gradient, _ in
            zip(tensors, ranges).map { part, range in
                Kernels.sliceColumns(gradient, outer: outer, length: total, range: range, resultShape: part.shape)
            }
        }
    }
}
