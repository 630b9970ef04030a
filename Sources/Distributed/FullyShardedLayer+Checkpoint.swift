import TensorCore

/// Checkpoints of models with sharded layers in the layout of the same model without them:
/// every rank gathers when a checkpoint is written, each rank cuts its shard when one is read,
/// so N ranks save and M resume, and PyTorch loads the weights.
extension Module {
    /// ``namedState`` with each ``FullyShardedLayer``'s shard replaced by its layer's full
    /// parameters, gathered from every rank (a collective then) and named as the model without
    /// the wrapper names them. A model without sharded layers returns ``namedState``.
    /// - Throws: what the communicator throws.
    public func gatheredState() throws -> [(name: String, tensor: Tensor)] {
        let layers = shardedLayers(prefix: "")
        guard !layers.isEmpty else { return namedState }
        var replacements: [String: [(name: String, tensor: Tensor)]] = [:]
        for (prefix, layer) in layers {
            let whole = try layer.communicator.allGather(layer.shard.scalars).flatMap { $0 }
            let named = layer.layer.namedParameters
            replacements[Self.joined(prefix, "shard")] = zip(named, Tensor.splitting(whole, into: named.map(\.tensor.shape))).map { entry, tensor in
                (Self.joined(prefix, entry.name), tensor)
            }
        }
        return namedState.flatMap { entry in replacements[entry.name] ?? [entry] }
    }

    /// Entries in the layout of ``gatheredState()`` turned into this model's own layout: each
    /// sharded layer's full parameters cut to this rank's shard. Unchanged without sharded layers.
    /// - Throws: ``CheckpointError`` for a missing or mis-shaped parameter of a sharded layer.
    public func shardedState(from entries: [(name: String, tensor: Tensor)]) throws -> [(name: String, tensor: Tensor)] {
        let layers = shardedLayers(prefix: "")
        guard !layers.isEmpty else { return entries }
        let available = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var consumed: Set<String> = [], shards: [(name: String, tensor: Tensor)] = []
        for (prefix, layer) in layers {
            let values = try layer.layer.namedParameters.map { name, parameter -> Tensor in
                let key = Self.joined(prefix, name)
                guard let value = available[key] else { throw CheckpointError.missingEntry(name: key) }
                guard value.shape == parameter.shape else { throw CheckpointError.shapeMismatch(name: key, expected: parameter.shape, found: value.shape) }
                consumed.insert(key)
                return value
            }
            let shard = Tensor.packing(values, counts: layer.counts, range: layer.range, scale: 1)
            shards.append((Self.joined(prefix, "shard"), Tensor(shard, shape: [shard.count])))
        }
        return entries.filter { !consumed.contains($0.name) } + shards
    }

    /// Every sharded layer in this model, with the name prefix its entries carry.
    func shardedLayers(prefix: String) -> [(prefix: String, layer: FullyShardedLayer)] {
        if let layer = self as? FullyShardedLayer { return [(prefix, layer)] }
        return children.flatMap { name, child in child.shardedLayers(prefix: Self.joined(prefix, name)) }
    }

    static func joined(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}

extension Optimizer {
    /// ``gatheredState()`` with the entries of every sharded layer's shard (Adam's moments of a
    /// ``FullyShardedLayer``) gathered from every rank into the layer's whole flat vector: what
    /// a checkpoint holds. A collective when the model has sharded layers.
    /// - Throws: what the communicator throws.
    public func stateForCheckpoint() throws -> OptimizerState {
        // Several optimizers: each member's entries, prefixed with its index as CombinedOptimizer does.
        if let combined = self as? CombinedOptimizer {
            return CombinedOptimizer.combined(try combined.members.map { try $0.stateForCheckpoint() })
        }
        var state = try gatheredState()
        let sharded = shardedParameterIndices()
        guard !sharded.isEmpty else { return state }
        for name in state.tensors.keys.sorted() {
            guard let index = perParameterEntry(name)?.index, let layer = sharded[index] else { continue }
            let whole = try layer.communicator.allGather(state.tensors[name]!.scalars).flatMap { $0 }
            state.tensors[name] = Tensor(whole, shape: [whole.count])
        }
        return state
    }

    /// A checkpoint's state (``stateForCheckpoint()``) with the entries of sharded layers cut to
    /// this rank's shard, ready for ``load(_:)``.
    public func stateFromCheckpoint(_ saved: OptimizerState) -> OptimizerState {
        if let combined = self as? CombinedOptimizer {
            return CombinedOptimizer.combined(combined.members.enumerated().map { index, member in
                member.stateFromCheckpoint(CombinedOptimizer.memberState(saved, index: index))
            })
        }
        let sharded = shardedParameterIndices()
        guard !sharded.isEmpty else { return saved }
        var state = saved
        for (name, tensor) in saved.tensors {
            guard let index = perParameterEntry(name)?.index, let layer = sharded[index], tensor.scalarCount >= layer.range.upperBound else { continue }
            state.tensors[name] = Tensor(Array(tensor.scalars[layer.range]), shape: [layer.range.count])
        }
        return state
    }

    private func shardedParameterIndices() -> [Int: FullyShardedLayer] {
        var result: [Int: FullyShardedLayer] = [:]
        for (index, parameter) in parameters.enumerated() { if let layer = ShardedParameters.layer(of: parameter) { result[index] = layer } }
        return result
    }
}
