/// Elements that leave memory and come back: parameters sharded at rest (ZeRO-3), whose full
/// values exist only while their layer computes.
extension Tensor {
    /// Whether the elements are in memory (false between ``releaseElements()`` and
    /// ``restoreElements(_:)``).
    public var holdsElements: Bool { !storage.isReleased }

    /// Returns the memory of the elements to the pool. The tensor, its shape and every view of
    /// it (those an autograd graph holds too) stay; reading any of them before
    /// ``restoreElements(_:)`` stops with a message. Only a tensor that owns its whole storage
    /// (a parameter, not a view) can be released.
    public func releaseElements() {
        guard offset == 0, !isTransposedView, storage.count == scalarCount else {
            fail("releaseElements", "a view of shape \(shape) does not own its storage; release the tensor it views")
        }
        storage.release()
    }

    /// Writes `values` into the elements, in memory again if they were released; every view
    /// shares them. `values` holds `scalarCount` elements.
    public func restoreElements(_ values: [Float]) {
        guard values.count == scalarCount, offset == 0, !isTransposedView, storage.count == scalarCount else {
            fail("restoreElements", "\(values.count) values for a tensor of shape \(shape) that owns \(storage.count) elements")
        }
        storage.reacquire()
        Kernels.copy(values, into: storage)
    }

    /// The same values; when `backward()` reaches this tensor, `action` runs before the
    /// operations that produced it (a sharded layer gathers its parameters back there).
    public func withBackwardHook(_ action: @escaping () -> Void) -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset, isTransposedView: isTransposedView)
            .recorded("identity", self) { gradient, _ in
                action()
                return [gradient]
            }
    }

    func failReleased(_ operation: String) -> Never {
        fail(operation, "a tensor of shape \(shape) whose elements were released (a sharded parameter outside its layer's "
             + "forward and backward); restoreElements(_:) first")
    }
}
