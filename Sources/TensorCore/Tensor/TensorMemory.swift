import Synchronization

/// The bytes held by tensor elements: live now and at the peak since the last
/// ``resetPeak()``. On a CPU there is no out-of-memory error to catch, so this is how a step's
/// memory is measured (the batch-size finder, memory tables). Buffers kept for reuse by the
/// allocator's pool do not count; only elements that tensors hold.
///
/// ```swift
/// TensorMemory.resetPeak()
/// let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
/// loss.backward()
/// print(TensorMemory.peakBytes - baseline)   // the step's activations and gradients
/// ```
public enum TensorMemory {
    private static let live = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    /// Bytes of tensor elements alive now.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// The most bytes alive at once since the last ``resetPeak()`` (or the start).
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }

    /// Starts a new peak measurement from the bytes alive now.
    public static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }

    static func allocated(bytes: Int) {
        let now = live.wrappingAdd(bytes, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    static func released(bytes: Int) {
        live.wrappingSubtract(bytes, ordering: .relaxed)
    }
}
