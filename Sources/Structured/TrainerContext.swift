import Events
import Metrics
import TensorCore

/// What `log` writes into while a Trainer runs: bound for the duration of `fit`, `validate`
/// and `test`.
final class TrainerContext: @unchecked Sendable {
    unowned let trainer: Trainer
    /// The hook running now. Setting it notes where the engine stood, for
    /// ``Trainer/hookPlaces``.
    var hook: Hook = .fitStart {
        didSet { notePlace() }
    }
    /// The engines running now, innermost last (validation inside training).
    var engines: [(name: String, progress: any EngineProgress)] = []
    /// The current stage's logged values (its step values until the next logger write).
    var results = LoggedValues()
    var batchSize = 1
    var isSanityCheck = false
    /// Set by the default `validationStep`: the module has none, so validation is skipped.
    var lacksValidationStep = false
    /// Parameters that ``TrainingModule/toggleOptimizer(_:)`` froze, with their former setting.
    var frozen: [(parameter: Tensor, requiredGradient: Bool)] = []
    /// The run's optimization step (manual optimization's backward goes through it).
    var optimization: OptimizationStep?
    /// Metric objects logged during the sanity check, reset when it ends.
    var sanityMetrics: [any Metric] = []
    var module: (any Module)?

    init(trainer: Trainer) {
        self.trainer = trainer
    }

    private func notePlace() {
        let place = engines.last.map { "\($0.name) engine: \($0.progress.activity)" } ?? "outside the engine"
        if trainer.hookPlaces[hook]?.contains(place) != true { trainer.hookPlaces[hook, default: []].insert(place) }
    }

    /// Runs `body` (an engine's run) with `engine` innermost.
    func running<T>(_ name: String, _ progress: any EngineProgress, _ body: () throws -> T) rethrows -> T {
        engines.append((name, progress))
        defer { engines.removeLast() }
        return try body()
    }

    @TaskLocal static var current: TrainerContext?
}
