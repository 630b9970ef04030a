import Metrics

/// Stops training when a score stops improving: attached to an evaluator, it reads the score
/// after each evaluation and terminates `trainer` by ``EarlyStoppingRule`` (the rule Structured's
/// `EarlyStoppingCallback` uses too): after `patience` evaluations without an improvement of more
/// than `minimumDelta`, at `stoppingThreshold`, or on a value that is not finite (Ignite's
/// `EarlyStopping`, with Lightning's extra checks).
///
/// ```swift
/// EarlyStopping(patience: 3, trainer: trainer) { evaluator.state.metrics["loss"]! }
///     .attach(to: evaluator, mode: .min)
/// ```
public final class EarlyStopping<TrainerBatch, TrainerOutput> {
    /// Evaluations without improvement that stop the run.
    public let patience: Int
    /// The change that counts as an improvement.
    public let minimumDelta: Float
    /// A score at least this good stops the run at once.
    public let stoppingThreshold: Float?
    /// Whether a NaN or infinite score stops the run.
    public let checkFinite: Bool
    /// Why the run was stopped, once it was.
    public private(set) var stoppingReason: EarlyStoppingRule.Reason?
    private var rule: EarlyStoppingRule?
    private let trainer: Engine<TrainerBatch, TrainerOutput>
    private let score: () throws -> Float

    /// A handler that stops `trainer` by `score`; see the type's documentation for each setting.
    public init(patience: Int, minimumDelta: Float = 0, stoppingThreshold: Float? = nil, checkFinite: Bool = true,
                trainer: Engine<TrainerBatch, TrainerOutput>, score: @escaping () throws -> Float) {
        precondition(patience >= 1, "EarlyStopping: patience must be at least 1, got \(patience)")
        precondition(minimumDelta >= 0, "EarlyStopping: minimumDelta must be >= 0")
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.stoppingThreshold = stoppingThreshold
        self.checkFinite = checkFinite
        self.trainer = trainer
        self.score = score
    }

    /// The best score so far.
    public var best: Float? { rule?.best }
    /// Evaluations since the last improvement.
    public var waitCount: Int { rule?.waitCount ?? 0 }

    /// Checks the score each time `engine` completes a run. `mode` is the score's direction:
    /// there is no default, since a loss and an accuracy improve in opposite directions.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, mode: MonitorMode) -> HandlerRegistration {
        rule = EarlyStoppingRule(mode: mode, patience: patience, minimumDelta: minimumDelta,
                                 stoppingThreshold: stoppingThreshold, checkFinite: checkFinite)
        return engine.on(.completed, named: "EarlyStopping") { _ in
            if let reason = try self.rule!.observe(self.score()) {
                self.stoppingReason = reason
                self.trainer.terminate()
            }
        }
    }
}
