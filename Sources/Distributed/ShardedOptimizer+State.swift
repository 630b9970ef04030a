import TensorCore

/// Checkpoints of a sharded optimizer in the unsharded layout, so that a run saved by N ranks
/// resumes on any M (resharding), and one process, PyTorch included, reads the file as the plain
/// optimizer's state.
///
/// The inner optimizer keeps per-parameter entries as `<name>.0` (its one parameter is this
/// rank's shard). Gathered, `<name>.0` becomes `<name>.<i>` for every parameter `i`: tensors
/// all-gathered and cut back to each parameter's shape, numbers (step counts) repeated.
extension ShardedOptimizer {
    static let rankKey = "zero.rank"
    static let worldKey = "zero.world_size"

    /// Every rank's shard of the state, in the layout of the inner optimizer over all of
    /// ``parameters``: a collective (every rank calls it, and every rank gets the whole state).
    /// - Throws: what the communicator throws.
    public func gatheredState() throws -> OptimizerState {
        let local = inner.state
        var gathered = OptimizerState()
        for (name, number) in local.numbers {
            if let base = Self.shardEntry(name) {
                for index in parameters.indices { gathered.numbers["\(base).\(index)"] = number }
            } else {
                gathered.numbers[name] = number
            }
        }
        // Sorted, so that every rank runs the same collectives in the same order.
        for name in local.tensors.keys.sorted() {
            guard let base = Self.shardEntry(name) else { continue }
            let whole = try communicator.allGather(local.tensors[name]!.scalars).flatMap { $0 }
            for (index, tensor) in Tensor.splitting(whole, into: parameters.map(\.shape)).enumerated() {
                gathered.tensors["\(base).\(index)"] = tensor
            }
        }
        return gathered
    }

    /// Restores a gathered state (saved by any number of ranks: this rank takes its shard), or
    /// this rank's own ``state``. Throws without changing anything when it does not fit.
    /// - Throws: ``CheckpointError`` for another rank's shard, or state that does not fit.
    public func load(_ state: OptimizerState) throws {
        if let rank = state.numbers[Self.rankKey] {
            let world = state.numbers[Self.worldKey] ?? 0
            guard Int(rank) == communicator.rank, Int(world) == communicator.worldSize else {
                throw CheckpointError.corrupt(path: "ShardedOptimizer state",
                    reason: "it holds rank \(Int(rank))'s shard of \(Int(world)) ranks, not this rank's (\(communicator.rank) of "
                        + "\(communicator.worldSize)); checkpoints need gatheredState() from every rank")
            }
            var own = state
            own.numbers[Self.rankKey] = nil
            own.numbers[Self.worldKey] = nil
            return try inner.load(own)
        }
        try inner.load(try shard(of: state))
    }

    /// This rank's shard of a gathered state, in the inner optimizer's layout.
    private func shard(of state: OptimizerState) throws -> OptimizerState {
        var own = OptimizerState()
        var bases: Set<String> = []
        for (name, number) in state.numbers {
            if let (base, index) = perParameterEntry(name) {
                if index == 0 { own.numbers["\(base).0"] = number }
            } else {
                own.numbers[name] = number
            }
        }
        for name in state.tensors.keys { if let (base, _) = perParameterEntry(name) { bases.insert(base) } }
        for base in bases.sorted() {
            let tensors = try parameters.enumerated().map { index, parameter in
                guard let tensor = state.tensors["\(base).\(index)"] else {
                    throw CheckpointError.missingEntry(name: "ShardedOptimizer state \(base).\(index)")
                }
                guard tensor.shape == parameter.shape else {
                    throw CheckpointError.shapeMismatch(name: "ShardedOptimizer state \(base).\(index)", expected: parameter.shape, found: tensor.shape)
                }
                return tensor
            }
            own.tensors["\(base).0"] = Tensor(Tensor.packing(tensors, counts: counts, range: shardRange, scale: 1), shape: [shardRange.count])
        }
        return own
    }

    /// `base` for the inner optimizer's entry `base.0`.
    private static func shardEntry(_ name: String) -> String? {
        name.hasSuffix(".0") ? String(name.dropLast(2)) : nil
    }

}

/// `(base, index)` for an optimizer's per-parameter entry `base.index` (`exp_avg.3`), nil for
/// other names: how sharded optimizers find the entries to gather and cut.
func perParameterEntry(_ name: String) -> (base: String, index: Int)? {
    guard let dot = name.lastIndex(of: "."), let index = Int(name[name.index(after: dot)...]) else { return nil }
    return (String(name[..<dot]), index)
}
