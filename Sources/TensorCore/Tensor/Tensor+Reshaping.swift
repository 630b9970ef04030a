// MARK: - Views: reshaping, slicing and transposing without copying

extension Tensor {
    /// The same elements with a new shape; one dimension may be `-1` and is then inferred.
    ///
    /// A view: no elements are copied (a transposed view is first made row-major).
    ///
    /// ```swift
    /// Tensor(rangeFrom: 0, to: 6).reshaped(to: [2, -1]).shape  // [2, 3]
    /// ```
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        if inferred.count > 1 || newShape.contains(where: { $0 < -1 }) {
            fail("reshaped(to:)", "invalid target shape \(newShape) for shape \(shape)")
        }
        if let axis = inferred.first {
            guard known > 0, scalarCount % known == 0 else {
                fail("reshaped(to:)", "cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
            }
            resolved[axis] = scalarCount / known
        }
        guard resolved.reduce(1, *) == scalarCount else {
            fail("reshaped(to:)", "cannot reshape \(shape) (\(scalarCount) elements) to \(newShape)")
        }
        if resolved == shape { return self }
        let source = contiguous()
        let originalShape = shape
        return Tensor(shape: resolved, storage: source.storage, offset: source.offset)
            .recorded("reshaped(to:)", self) { gradient, _ in [gradient.reshaped(to: originalShape)] }
    }

    /// The elements as a one-dimensional tensor (a view).
    public func flattened() -> Tensor {
        reshaped(to: [scalarCount])
    }

    /// A view with a new axis of size 1 inserted at `axis` (negative counts from the end).
    public func expandingShape(at axis: Int) -> Tensor {
        let position = axis < 0 ? axis + rank + 1 : axis
        guard (0...rank).contains(position) else {
            fail("expandingShape(at:)", "axis \(axis) is out of range for shape \(shape)")
        }
        var newShape = shape
        newShape.insert(1, at: position)
        return reshaped(to: newShape)
    }

    /// A view with the size-1 axis `axis` removed, or every size-1 axis when `axis` is `nil`.
    public func squeezingShape(at axis: Int? = nil) -> Tensor {
        guard let axis else { return reshaped(to: shape.filter { $0 != 1 }) }
        let position = normalizedAxis(axis, rank: rank, in: "squeezingShape(at:)", shape: shape)
        guard shape[position] == 1 else {
            fail("squeezingShape(at:)", "axis \(axis) of shape \(shape) has size \(shape[position]), not 1")
        }
        var newShape = shape
        newShape.remove(at: position)
        return reshaped(to: newShape)
    }

    /// The tensor with its last two axes swapped (a matrix transpose, batched over leading axes).
    ///
    /// A view: matrix products read it through BLAS's transpose flag without copying; other
    /// operations make a row-major copy when they first read it.
    public func transposed() -> Tensor {
        guard rank >= 2 else { fail("transposed()", "needs at least 2 dimensions, got shape \(shape)") }
        var newShape = shape
        newShape.swapAt(rank - 1, rank - 2)
        return Tensor(shape: newShape, storage: storage, offset: offset, isTransposedView: !isTransposedView)
            .recorded("transposed()", self) { gradient, _ in [gradient.transposed()] }
    }

    /// The same tensor with its elements in row-major order in storage: `self` unless it is a
    /// transposed view, which is copied.
    public func contiguous() -> Tensor {
        guard isTransposedView else { return self }
        let copy = Kernels.transposeCopy(self)
        // The copy is value-identical to the view, so the gradient passes straight through.
        return copy.recorded("contiguous()", self) { gradient, _ in [gradient] }
    }

    /// Rows `range` of the first axis (a view sharing storage).
    ///
    /// ```swift
    /// let firstBatch = images[0..<64]
    /// ```
    public subscript(range: Range<Int>) -> Tensor {
        guard rank >= 1, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            fail("subscript(range)", "rows \(range) are out of bounds for shape \(shape)")
        }
        let source = contiguous()
        let rowLength = scalarCount / Swift.max(shape[0], 1)
        var newShape = shape
        newShape[0] = range.count
        let originalShape = shape
        return Tensor(shape: newShape, storage: source.storage, offset: source.offset + range.lowerBound * rowLength)
            .recorded("subscript(range)", self) { gradient, _ in
                [Kernels.pad(gradient, into: originalShape, at: range.lowerBound * rowLength)]
            }
    }

    /// Row `index` of the first axis, with that axis removed (a view).
    public subscript(index: Int) -> Tensor {
        guard rank >= 1, (0..<shape[0]).contains(index) else {
            fail("subscript(index)", "index \(index) is out of bounds for shape \(shape)")
        }
        return self[index..<(index + 1)].squeezingShape(at: 0)
    }
}
