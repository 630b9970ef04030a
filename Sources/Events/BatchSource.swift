import TensorCore

/// Data an engine can run over: a fixed number of batches per epoch, any epoch's batches
/// available from any position, so a run can resume mid-epoch on exactly the batches it would
/// have seen.
public protocol BatchSource {
    /// What one step consumes.
    associatedtype Batch
    /// The number of batches in one epoch.
    var batchesPerEpoch: Int { get }
    /// The batches of epoch `epoch` (0-based) from position `start` on.
    func makeBatches(epoch: Int, startingAt start: Int) -> AnyIterator<Batch>
}

extension DataLoader: BatchSource {
    /// The batches of epoch `epoch` from batch `start` on (to resume mid-epoch).
    public func makeBatches(epoch: Int, startingAt start: Int) -> AnyIterator<Data.Batch> {
        var batches = batches(epoch: epoch, startingAt: start)
        return AnyIterator { batches.next() }
    }
}

/// A fixed list of batches, the same every epoch.
extension Array: BatchSource {
    /// Batches in one epoch.
    public var batchesPerEpoch: Int { count }
    /// The batches of epoch `epoch` from batch `start` on (to resume mid-epoch).
    public func makeBatches(epoch: Int, startingAt start: Int) -> AnyIterator<Element> {
        var iterator = self[Swift.min(start, count)...].makeIterator()
        return AnyIterator { iterator.next() }
    }
}
