// MARK: - Arithmetic with broadcasting
//
// Primitives carry their pullback right under the forward computation. Broadcasting operands
// receive their gradient summed back to their own shape.

extension Tensor {
    /// Elementwise sum, broadcasting the operands to a common shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        Kernels.zip(lhs, rhs, operation: "+", ElementFunction.Add())
            .recorded("+", lhs, rhs) { gradient, _ in
                [gradient.summed(toShape: lhs.shape), gradient.summed(toShape: rhs.shape)]
            }
    }

    /// Elementwise difference, broadcasting the operands to a common shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        Kernels.zip(lhs, rhs, operation: "-", ElementFunction.Subtract())
            .recorded("-", lhs, rhs) { gradient, _ in
                [gradient.summed(toShape: lhs.shape), (-gradient).summed(toShape: rhs.shape)]
            }
    }

    /// Elementwise product, broadcasting the operands to a common shape.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        Kernels.zip(lhs, rhs, operation: "*", ElementFunction.Multiply())
            .recorded("*", lhs, rhs) { gradient, _ in
                [(gradient * rhs).summed(toShape: lhs.shape), (gradient * lhs).summed(toShape: rhs.shape)]
            }
    }

    /// Elementwise quotient, broadcasting the operands to a common shape.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        Kernels.zip(lhs, rhs, operation: "/", ElementFunction.Divide())
            .recorded("/", lhs, rhs) { gradient, output in
                [(gradient / rhs).summed(toShape: lhs.shape),
                 (-gradient * output / rhs).summed(toShape: rhs.shape)]
            }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor {
        Kernels.map(x, ElementFunction.Negate())
            .recorded("negate", x) { gradient, _ in [-gradient] }
    }

    // MARK: Scalars (composites: a scalar is a shape-[] tensor, broadcast for free)

    /// The operator with a number broadcast to `lhs`'s shape.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs + Tensor(rhs) }
    /// The operator with a number broadcast to `rhs`'s shape.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { Tensor(lhs) + rhs }
    /// The operator with a number broadcast to `lhs`'s shape.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs - Tensor(rhs) }
    /// The operator with a number broadcast to `rhs`'s shape.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { Tensor(lhs) - rhs }
    /// The operator with a number broadcast to `lhs`'s shape.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs * Tensor(rhs) }
    /// The operator with a number broadcast to `rhs`'s shape.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { Tensor(lhs) * rhs }
    /// The operator with a number broadcast to `lhs`'s shape.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs / Tensor(rhs) }
    /// The operator with a number broadcast to `rhs`'s shape.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { Tensor(lhs) / rhs }

    /// Each element squared (a composite of `*`).
    public func squared() -> Tensor { self * self }

    // MARK: In place (no gradient recorded; for optimizers and accumulators)

    /// Adds `other`, which must have the same number of elements, into this tensor's elements.
    ///
    /// Storage shared with other tensors is copied first, so views and saved activations keep
    /// their values. Nothing is recorded for differentiation.
    public func addInPlace(_ other: Tensor) {
        guard other.scalarCount == scalarCount else {
            fail("addInPlace(_:)", "shapes \(shape) and \(other.shape) differ in element count")
        }
        Kernels.addInPlace(self, other)
    }

    /// Replaces this tensor's elements with those of `other` (same element count), in place.
    public func assign(_ other: Tensor) {
        guard other.scalarCount == scalarCount else {
            fail("assign(_:)", "shapes \(shape) and \(other.shape) differ in element count")
        }
        Kernels.assign(self, from: other)
    }
}
