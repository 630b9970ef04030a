// MARK: - Reductions along axes
//
// Axes may be negative (counting from the end). With `keepingDimensions` the reduced axes stay
// with size 1, so the result broadcasts against the input.

extension Tensor {
    /// This tensor viewed as `[outer, length, inner]` around `axis`.
    private func splitAround(_ axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    private func resolvedAxes(_ axes: [Int], _ operation: String) -> [Int] {
        let resolved = Set(axes.map { normalizedAxis($0, rank: rank, in: operation, shape: shape) })
        return resolved.sorted()
    }

    private func shape(reducing axes: [Int], keepingDimensions: Bool) -> [Int] {
        keepingDimensions
            ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        Tensor(Kernels.sumAll(self))
            .recorded("sum()", self) { gradient, _ in [gradient.broadcasted(to: self.shape)] }
    }

    /// The sum along `axes`.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]).sum(alongAxes: [0]).scalars  // [4, 6]
    /// ```
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = resolvedAxes(axes, "sum(alongAxes:)")
        var result = self
        // One axis at a time, innermost first; each pass reads the previous result.
        for axis in axes.reversed() {
            let (outer, length, inner) = result.splitAround(axis)
            var kept = result.shape
            kept[axis] = 1
            result = Kernels.sum(result, outer: outer, length: length, inner: inner, resultShape: kept)
        }
        let inputShape = shape
        return result.reshaped(to: shape(reducing: axes, keepingDimensions: keepingDimensions))
            .recorded("sum(alongAxes:)", self) { gradient, _ in
                [gradient.reshaped(to: self.shape(reducing: axes, keepingDimensions: true)).broadcasted(to: inputShape)]
            }
    }

    /// The sum along one axis.
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The mean of all elements (a composite of `sum`).
    public func mean() -> Tensor {
        sum() / Float(scalarCount)
    }

    /// The mean along `axes` (a composite of `sum`).
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let count = resolvedAxes(axes, "mean(alongAxes:)").reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(count)
    }

    /// The mean along one axis.
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The largest element along `axis`. The gradient flows to the first position holding it.
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxis: axis, keepingDimensions: keepingDimensions, largest: true)
    }

    /// The smallest element along `axis`. The gradient flows to the first position holding it.
    public func min(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum(alongAxis: axis, keepingDimensions: keepingDimensions, largest: false)
    }

    private func extremum(alongAxis axis: Int, keepingDimensions: Bool, largest: Bool) -> Tensor {
        let name = largest ? "max(alongAxis:)" : "min(alongAxis:)"
        let axis = normalizedAxis(axis, rank: rank, in: name, shape: shape)
        let (outer, length, inner) = splitAround(axis)
        guard length > 0 else { fail(name, "axis \(axis) of shape \(shape) is empty") }
        let (values, indices) = Kernels.extremum(self, outer: outer, length: length, inner: inner,
                                                 resultShape: shape(reducing: [axis], keepingDimensions: keepingDimensions),
                                                 largest: largest)
        let inputShape = shape
        return values.recorded(name, self) { gradient, _ in
            [Kernels.scatter(gradient, indices: indices, outer: outer, length: length, inner: inner, shape: inputShape)]
        }
    }

    /// The largest element (composite: maxima along every axis in turn).
    public func max() -> Tensor {
        (0..<rank).reduce(self) { partial, _ in partial.max(alongAxis: 0) }
    }

    /// The smallest element (composite: minima along every axis in turn).
    public func min() -> Tensor {
        (0..<rank).reduce(self) { partial, _ in partial.min(alongAxis: 0) }
    }

    /// The index of the first largest element along `axis`, as whole-number values (no gradient).
    ///
    /// ```swift
    /// Tensor([[1, 5, 2], [7, 0, 7]]).argmax(alongAxis: 1).scalars  // [1, 0]
    /// ```
    public func argmax(alongAxis axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank, in: "argmax(alongAxis:)", shape: shape)
        let (outer, length, inner) = splitAround(axis)
        guard length > 0 else { fail("argmax(alongAxis:)", "axis \(axis) of shape \(shape) is empty") }
        let indices = Kernels.extremum(self, outer: outer, length: length, inner: inner,
                                       resultShape: [outer * inner], largest: true).indices
        return Tensor(indices.map(Float.init), shape: shape(reducing: [axis], keepingDimensions: false))
    }

    /// `log(sum(exp(x)))` along `axes`, computed stably by subtracting the maximum first
    /// (a composite: its gradient is the softmax).
    public func logSumExp(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = resolvedAxes(axes, "logSumExp(alongAxes:)")
        // The shift only guards against overflow; it does not change the value, so no gradient
        // needs to flow through it.
        let shift = axes.reduce(detached()) { partial, axis in partial.max(alongAxis: axis, keepingDimensions: true) }
        let result = log(exp(self - shift).sum(alongAxes: axes, keepingDimensions: true)) + shift
        return keepingDimensions ? result : result.reshaped(to: shape(reducing: axes, keepingDimensions: false))
    }

    /// `logSumExp` along one axis.
    public func logSumExp(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        logSumExp(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The variance along `axes`: the mean squared deviation, divided by `count - correction`
    /// (PyTorch's default `correction: 1` gives the unbiased estimate; 0 gives the population
    /// variance). A composite.
    public func variance(alongAxes axes: [Int], correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        let count = resolvedAxes(axes, "variance(alongAxes:)").reduce(1) { $0 * shape[$1] }
        let deviation = self - mean(alongAxes: axes, keepingDimensions: true)
        return deviation.squared().sum(alongAxes: axes, keepingDimensions: keepingDimensions)
            / Float(Swift.max(count - correction, 0))
    }

    /// The variance along one axis.
    public func variance(alongAxis axis: Int, correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        variance(alongAxes: [axis], correction: correction, keepingDimensions: keepingDimensions)
    }
}
