import Metrics
import TensorCore

/// Multiplies the learning rate by `factor` when a monitored value has not improved for more
/// than `patience` checks (PyTorch's `ReduceLROnPlateau`), never below `minimumRate`. The rule of
/// both frontends: attach it to an Events evaluator, or configure a Structured module's schedule
/// with `reduceOnPlateau`, which the Trainer runs through this type.
///
/// ```swift
/// let plateau = ReduceOnPlateau(optimizer: optimizer, mode: .min, factor: 0.5, patience: 2)
/// plateau.attach(to: evaluator) { evaluator.state.metrics["loss"]! }
/// ```
public final class ReduceOnPlateau {
    /// What a checkpoint keeps: the best value and the checks since.
    public struct State: CheckpointComponent, Equatable {
        /// The entry it is stored under.
        public static let checkpointKey = "reduce_on_plateau"
        /// The layout's version.
        public static let checkpointVersion = 1
        /// The best value so far.
        public var best: Float?
        /// Checks since the last improvement (or reduction).
        public var waitCount: Int
    }

    /// The optimizer whose rate is reduced.
    public let optimizer: any Optimizer
    /// The factor applied on a plateau.
    public let factor: Float
    /// The rate never goes below this.
    public let minimumRate: Float
    private var tracker: PatienceTracker

    /// A rule over `optimizer`'s rate; `patience` checks without an improvement of more than
    /// `minimumDelta` in direction `mode` are tolerated, the next one reduces.
    public init(optimizer: any Optimizer, mode: MonitorMode, factor: Float = 0.1, patience: Int = 10,
                minimumDelta: Float = 1e-4, minimumRate: Float = 0) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor must be in (0, 1), got \(factor)")
        precondition(patience >= 0, "ReduceOnPlateau: patience must be >= 0, got \(patience)")
        self.optimizer = optimizer
        self.factor = factor
        self.minimumRate = minimumRate
        // PyTorch reduces once more than `patience` checks passed without improvement.
        tracker = PatienceTracker(mode: mode, patience: patience + 1, minimumDelta: minimumDelta)
    }

    /// Records `value`; returns whether the rate was reduced.
    @discardableResult
    public func observe(_ value: Float) -> Bool {
        guard tracker.observe(value) else { return false }
        optimizer.learningRate = Swift.max(optimizer.learningRate * factor, minimumRate)
        tracker.restore(best: tracker.best, waitCount: 0)
        return true
    }

    /// The rule's position, for a checkpoint.
    public var state: State { State(best: tracker.best, waitCount: tracker.waitCount) }

    /// Restores a position saved with ``state``.
    public func restore(_ state: State) { tracker.restore(best: state.best, waitCount: state.waitCount) }

    /// Checks `score` each time `engine` (an evaluator) completes a run.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, score: @escaping () throws -> Float) -> HandlerRegistration {
        engine.on(.completed, named: "ReduceOnPlateau") { _ in self.observe(try score()) }
    }
}
