/// Stops training when a score stops improving: attached to an evaluator, it reads the score
/// after each evaluation and terminates `trainer` after `patience` evaluations without an
/// improvement of more than `minimumDelta` (Ignite's `EarlyStopping`, Lightning's callback).
///
/// ```swift
/// EarlyStopping(patience: 3, trainer: trainer) { evaluator.state.metrics["loss"]! }
///     .attach(to: evaluator, mode: .minimize)
/// ```
public final class EarlyStopping<TrainerBatch, TrainerOutput> {
    public enum Mode: Sendable { case maximize, minimize }
    public let patience: Int
    public let minimumDelta: Float
    public private(set) var best: Float?
    /// Evaluations since the last improvement.
    public private(set) var waitCount = 0
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

    /// Checks the score each time `engine` completes a run.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, mode: Mode = .maximize) -> HandlerRegistration {
        engine.on(.completed) { _ in try self.check(mode: mode) }
    }

    func check(mode: Mode) throws {
        let value = try score()
        let improved = best.map { mode == .maximize ? value > $0 + minimumDelta : value < $0 - minimumDelta } ?? true
        if improved {
            best = value
            waitCount = 0
        } else {
            waitCount += 1
            if waitCount >= patience { trainer.terminate() }
        }
    }
}
