/// The element buffer behind one or more tensors.
///
/// Views (reshapes, first-axis slices, transposes) share one storage; a tensor that is about to be
/// written in place copies its storage first unless it holds the only reference, so no view ever
/// sees a later in-place update (copy-on-write). The buffer comes from and returns to the
/// `BufferPool`.
final class TensorStorage {
    /// The elements; a one-element placeholder while released.
    private(set) var base: UnsafeMutablePointer<Float>
    let count: Int
    /// Whether the buffer went back to the pool (``release()``) and the elements are gone.
    private(set) var isReleased = false

    /// Where a released storage points: never read, because element access checks `isReleased`.
    nonisolated(unsafe) private static let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    /// A buffer whose elements are not initialized: every caller writes all of them.
    init(uninitializedCount count: Int) {
        self.count = count
        self.base = BufferPool.shared.allocate(count: count)
    }

    deinit { if !isReleased { BufferPool.shared.release(base, count: count) } }

    /// Returns the buffer to the pool; every tensor sharing this storage keeps its shape and
    /// holds no elements until ``reacquire()``. For parameters sharded at rest (ZeRO-3).
    func release() {
        guard !isReleased else { return }
        BufferPool.shared.release(base, count: count)
        base = Self.placeholder
        isReleased = true
    }

    /// A new, uninitialized buffer for a released storage (the caller writes every element).
    func reacquire() {
        guard isReleased else { return }
        base = BufferPool.shared.allocate(count: count)
        isReleased = false
    }

    func copy() -> TensorStorage {
        let duplicate = TensorStorage(uninitializedCount: count)
        duplicate.base.update(from: base, count: count)
        return duplicate
    }
}
