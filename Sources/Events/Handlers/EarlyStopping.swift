import Metrics

/// Stops training when a score stops improving: attached to an evaluator, it reads the score
/// after each evaluation and terminates `trainer` after `patience` evaluations without an
/// improvement of more than `minimumDelta` (Ignite's `EarlyStopping`, Lightning's callback).
///
/// ```swift
/// EarlyStopping(patience: 3, trainer: trainer) { evaluator.state.metrics["loss"]! }
///     .attach(to: evaluator, mode: .min)
/// ```
public final class EarlyStopping<TrainerBatch, TrainerOutput> {
    public let patience: Int
    public let minimumDelta: Float
    private var tracker: PatienceTracker?
    private let trainer: Engine<TrainerBatch, TrainerOutput>
    private let score: () throws -> Float

    public init(patience: Int, minimumDelta: Float = 0, trainer: Engine<TrainerBatch, TrainerOutput>, score: @escaping () throws -> Float) {
        precondition(patience >= 1, "EarlyStopping: patience must be at least 1, got \(patience)")
        precondition(minimumDelta >= 0, "EarlyStopping: minimumDelta must be >= 0")
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.trainer = trainer
        self.score = score
    }

    /// The best score so far.
    public var best: Float? { tracker?.best }
    /// Evaluations since the last improvement.
    public var waitCount: Int { tracker?.waitCount ?? 0 }

    /// Checks the score each time `engine` completes a run.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, mode: MonitorMode = .max) -> HandlerRegistration {
        tracker = PatienceTracker(mode: mode, patience: patience, minimumDelta: minimumDelta)
        return engine.on(.completed) { _ in
            if try self.tracker!.observe(self.score()) { self.trainer.terminate() }
        }
    }
}
