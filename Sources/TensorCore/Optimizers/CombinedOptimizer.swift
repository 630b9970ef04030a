/// Several optimizers seen as one: what a checkpoint, gradient synchronization and a frontend
/// need when a model trains with more than one optimizer (a GAN's generator and discriminator).
///
/// Its ``parameters`` are all the optimizers' parameters in order, ``step()`` steps each, and its
/// ``state`` holds each optimizer's state under the prefix `<index>.`, so one checkpoint file
/// restores all of them. The members stay usable on their own; stepping them one by one is the
/// usual way to train (the combined ``step()`` exists for completeness).
///
/// ```swift
/// let generatorOptimizer = Adam(for: generator, learningRate: 2e-4, beta1: 0.5)
/// let discriminatorOptimizer = Adam(for: discriminator, learningRate: 2e-4, beta1: 0.5)
/// let both = CombinedOptimizer([generatorOptimizer, discriminatorOptimizer])
/// try TrainingCheckpoint(model: gan, optimizer: both, epoch: 1, step: 938).save(to: "gan.ckpt")
/// ```
public final class CombinedOptimizer: Optimizer {
    /// The optimizers, in the order their states are numbered.
    public let members: [any Optimizer]

    /// The optimizers `members`, which must not be empty.
    public init(_ members: [any Optimizer]) {
        precondition(!members.isEmpty, "CombinedOptimizer: needs at least one optimizer")
        self.members = members
    }

    /// Every member's parameters, member by member.
    public var parameters: [Tensor] { members.flatMap(\.parameters) }

    /// The first member's rate; setting it sets every member's (for a range test or a monitor
    /// that treats the optimizers as one).
    public var learningRate: Float {
        get { members[0].learningRate }
        set { for member in members { member.learningRate = newValue } }
    }

    /// Steps every member, in order.
    public func step() {
        for member in members { member.step() }
    }

    /// Each member's state, its names prefixed with `<index>.`.
    public var state: OptimizerState { Self.combined(members.map(\.state)) }

    /// Every member's gathered state (each a collective when it shards its state), prefixed.
    public func gatheredState() throws -> OptimizerState { Self.combined(try members.map { try $0.gatheredState() }) }

    /// Member states in one, each name prefixed with its member's `<index>.`: this type's layout.
    public static func combined(_ states: [OptimizerState]) -> OptimizerState {
        var combined = OptimizerState()
        for (index, state) in states.enumerated() {
            for (name, tensor) in state.tensors { combined.tensors["\(index).\(name)"] = tensor }
            for (name, number) in state.numbers { combined.numbers["\(index).\(name)"] = number }
        }
        return combined
    }

    /// Member `index`'s entries of a ``combined(_:)`` state, without their prefix.
    public static func memberState(_ state: OptimizerState, index: Int) -> OptimizerState {
        let prefix = "\(index)."
        func own<Value>(_ entries: [String: Value]) -> [String: Value] {
            Dictionary(uniqueKeysWithValues: entries.compactMap { $0.key.hasPrefix(prefix) ? (String($0.key.dropFirst(prefix.count)), $0.value) : nil })
        }
        return OptimizerState(tensors: own(state.tensors), numbers: own(state.numbers))
    }

    /// Restores each member from its prefixed entries. When one member refuses its state, the
    /// members already restored get their previous state back, so nothing changes.
    /// - Throws: the first member's ``CheckpointError``.
    public func load(_ state: OptimizerState) throws {
        let previous = members.map(\.state)
        for (index, member) in members.enumerated() {
            do {
                try member.load(Self.memberState(state, index: index))
            } catch {
                for (restored, saved) in zip(members.prefix(index), previous) { try? restored.load(saved) }
                throw error
            }
        }
    }
}
