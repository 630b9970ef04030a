/// The element buffer behind one or more tensors.
///
/// Views (reshapes, first-axis slices, transposes) share one storage; a tensor that is about to be
/// written in place copies its storage first unless it holds the only reference, so no view ever
/// sees a later in-place update (copy-on-write). The buffer comes from and returns to the
/// `BufferPool`.
final class TensorStorage {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    /// A buffer whose elements are not initialized: every caller writes all of them.
    init(uninitializedCount count: Int) {
        self.count = count
        self.base = BufferPool.shared.allocate(count: count)
    }

    deinit { BufferPool.shared.release(base, count: count) }

    func copy() -> TensorStorage {
        let duplicate = TensorStorage(uninitializedCount: count)
        duplicate.base.update(from: base, count: count)
        return duplicate
    }
}
