import TensorCore

/// Data that can be split between the processes of a data-parallel run (``DataLoader`` is).
///
/// Both frontends shard through ``BatchSource/shard(for:forEvaluation:)``, so a custom source
/// only needs these two splits.
///
/// ```swift
/// let local = try loader.shard(for: communicator)                          // training
/// let checked = try testLoader.shard(for: communicator, forEvaluation: true) // every example once
/// ```
public protocol ShardableBatchSource: BatchSource {
    /// This rank's part of every global training batch (ranks run the same number of batches).
    func sharded(rank: Int, worldSize: Int) -> Self
    /// This rank's part of the data for evaluation: every example exactly once over all ranks.
    func evaluationShard(rank: Int, worldSize: Int) -> Self
}

extension DataLoader: ShardableBatchSource {}

extension BatchSource {
    /// This rank's part of the data when `communicator` spans several processes, the data
    /// itself for one. Training shards split every global batch; evaluation shards cover each
    /// example exactly once (ranks may then run different numbers of batches).
    /// - Throws: ``EngineError/unshardableData(_:)`` when several processes share data that is
    ///   not a ``ShardableBatchSource``.
    public func shard(for communicator: any Communicator, forEvaluation: Bool = false) throws -> Self {
        guard communicator.worldSize > 1 else { return self }
        let (rank, size) = (communicator.rank, communicator.worldSize)
        guard let shardable = self as? any ShardableBatchSource,
              let sharded = (forEvaluation ? shardable.evaluationShard(rank: rank, worldSize: size)
                                           : shardable.sharded(rank: rank, worldSize: size)) as? Self else {
            throw EngineError.unshardableData("\(Self.self)")
        }
        return sharded
    }
}
