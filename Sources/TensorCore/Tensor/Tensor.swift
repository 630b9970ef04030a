/// An n-dimensional array of `Float` values that can record the operations applied to it and
/// compute gradients through them (reverse-mode automatic differentiation).
///
/// A tensor is a reference type, like PyTorch's: a model's parameters keep their identity while an
/// optimizer updates them, and their ``gradient`` accumulates across `backward()` calls until it
/// is cleared. Elements are stored contiguously in row-major order. Reshapes, first-axis slices
/// and transposes are views that share storage with their source; a tensor written in place
/// (an optimizer step, a gradient accumulation) first copies storage that anything else still
/// holds, so views never observe later updates.
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
/// let w = Tensor(randomNormal: [3, 1], seed: 0)
/// w.requiresGradient = true
/// let loss = (matmul(x, w) - 1).squared().mean()
/// loss.backward()
/// print(w.gradient!.shape)  // [3, 1]
/// ```
///
/// Misuse that is a programming error, such as adding tensors whose shapes cannot broadcast,
/// stops the program with a message that names the operation and both shapes.
public final class Tensor {
    /// The size of each dimension, outermost first. A scalar has shape `[]`.
    public let shape: [Int]

    /// Whether operations on this tensor are recorded so that `backward()` can reach it.
    ///
    /// Set it on leaves (parameters, inputs you differentiate with respect to). Results of
    /// recorded operations have it set automatically.
    public var requiresGradient: Bool

    /// The accumulated gradient of the last differentiated scalar with respect to this tensor,
    /// or `nil` before any `backward()` reached it or after ``zeroGradient()``.
    ///
    /// Like PyTorch, gradients accumulate across `backward()` calls until cleared. Assigning
    /// one (data-parallel averaging, a restored accumulation window) must keep this shape.
    public var gradient: Tensor? {
        didSet {
            if let gradient, gradient.shape != shape {
                fail("gradient", "a gradient of shape \(gradient.shape) for a tensor of shape \(shape)")
            }
        }
    }

    /// Called when a `backward()` has added its last contribution to this leaf's ``gradient``
    /// (PyTorch's post-accumulate-grad hook): data parallelism starts sending a bucket of
    /// gradients while backward still computes the rest. Nil, the default, calls nothing.
    public var afterGradientAccumulation: (() -> Void)?

    // MARK: - Storage

    var storage: TensorStorage
    /// Index of this tensor's first element in `storage`.
    let offset: Int
    /// When true the storage holds the row-major elements of the tensor whose last two axes are
    /// swapped; matrix products read it through BLAS's transpose flag, other operations copy it
    /// into row-major order first (see ``contiguous()``).
    let isTransposedView: Bool
    /// The operation that produced this tensor, while the graph is alive.
    var gradientNode: GradientNode?

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, isTransposedView: Bool = false) {
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.isTransposedView = isTransposedView
        self.requiresGradient = false
    }

    /// A tensor with fresh storage whose elements the caller must all write.
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        self.offset = 0
        self.isTransposedView = false
        self.requiresGradient = false
    }

    // MARK: - Basic properties

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements: the product of the shape (1 for a scalar).
    public var scalarCount: Int { shape.reduce(1, *) }

    /// Whether this tensor was created by the user rather than by a recorded operation.
    public var isLeaf: Bool { gradientNode == nil }

    /// The elements in row-major order.
    public var scalars: [Float] {
        withElements { Array($0) }
    }

    /// The only element of a one-element tensor.
    public var scalar: Float {
        guard scalarCount == 1 else {
            fail("scalar", "tensor of shape \(shape) has \(scalarCount) elements, expected 1")
        }
        return withElements { $0[0] }
    }

    /// Clears the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`): the next
    /// `backward()` stores its gradient instead of adding to zeros.
    public func zeroGradient() {
        gradient = nil
    }

    // MARK: - Element access (internal; kernels only)

    /// Calls `body` with this tensor's elements in row-major order, copying a transposed view
    /// into row-major order first.
    func withElements<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        if storage.isReleased { failReleased("read") }
        if isTransposedView {
            return try contiguous().withElements(body)
        }
        return try body(UnsafeBufferPointer(start: storage.base + offset, count: scalarCount))
    }

    /// Calls `body` with writable elements, copying storage that other tensors still share.
    func withMutableElements<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if storage.isReleased { failReleased("in-place write") }
        if isTransposedView { fail("in-place write", "tensor of shape \(shape) is a transposed view; write to a contiguous() copy") }
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(UnsafeMutableBufferPointer(start: storage.base + offset, count: scalarCount))
    }
}

/// Stops the program for a programming error in operation `operation`.
func fail(_ operation: String, _ message: String) -> Never {
    fatalError("\(operation): \(message)")
}

/// The axis `axis` of a tensor of rank `rank`, with negative values counting from the end.
func normalizedAxis(_ axis: Int, rank: Int, in operation: String, shape: [Int]) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < max(rank, 1) else {
        fail(operation, "axis \(axis) is out of range for shape \(shape)")
    }
    return resolved
}
