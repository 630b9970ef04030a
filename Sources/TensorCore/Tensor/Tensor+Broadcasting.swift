// MARK: - Broadcasting (NumPy/PyTorch rules)

/// The shape two shapes broadcast to: aligned from the last axis, each pair of sizes must be
/// equal or contain a 1.
func broadcastShape(_ a: [Int], _ b: [Int], operation: String) -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let sizeA = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
        let sizeB = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
        guard sizeA == sizeB || sizeA == 1 || sizeB == 1 else {
            fail(operation, "shapes \(a) and \(b) cannot be broadcast together")
        }
        result[axis] = sizeA == 1 ? sizeB : sizeA
    }
    return result
}

extension Tensor {
    /// This tensor repeated along new leading axes and along axes of size 1 to fill `shape`.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).broadcasted(to: [2, 3]).scalars  // [1, 2, 3, 1, 2, 3]
    /// ```
    public func broadcasted(to shape: [Int]) -> Tensor {
        guard broadcastShape(self.shape, shape, operation: "broadcasted(to:)") == shape else {
            fail("broadcasted(to:)", "shape \(self.shape) cannot be broadcast to \(shape)")
        }
        if shape == self.shape { return self }
        return Kernels.broadcastCopy(self, to: shape)
            .recorded("broadcasted(to:)", self) { gradient, _ in [gradient.summed(toShape: self.shape)] }
    }

    /// The sum of this tensor over the axes along which a tensor of `shape` was broadcast to
    /// give this tensor's shape: the adjoint of broadcasting, used by every broadcasting
    /// operation's pullback.
    public func summed(toShape shape: [Int]) -> Tensor {
        if self.shape == shape { return self }
        let leading = rank - shape.count
        guard leading >= 0 else { fail("summed(toShape:)", "cannot reduce shape \(self.shape) to \(shape)") }
        var axes = Array(0..<leading)
        for (index, size) in shape.enumerated() where size == 1 && self.shape[leading + index] != 1 {
            axes.append(leading + index)
        }
        let reduced = axes.isEmpty ? self : sum(alongAxes: axes, keepingDimensions: true)
        return reduced.reshaped(to: shape)
    }
}
