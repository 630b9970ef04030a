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

    /// Where each hook was last noted (engine name and activity), looked up by comparing hooks:
    /// a hook dispatched from the same place as last time, as every batch's hooks are, then
    /// costs a few comparisons instead of building and hashing the place's name, which it did
    /// for each of a training batch's seven hooks.
    private var lastPlaces: [(hook: Hook, engine: String?, activity: String)] = []

    private func notePlace() {
        let top = engines.last
        let engine = top?.name, activity = top?.progress.activity ?? ""
        let index = lastPlaces.firstIndex { $0.hook == hook }
        if let index, lastPlaces[index].engine == engine, lastPlaces[index].activity == activity { return }
        if let index { lastPlaces[index] = (hook, engine, activity) } else { lastPlaces.append((hook, engine, activity)) }
        trainer.hookPlaces[hook, default: []].insert(engine.map { "\($0) engine: \(activity)" } ?? "outside the engine")
    }

    /// Runs `body` (an engine's run) with `engine` innermost.
    func running<T>(_ name: String, _ progress: any EngineProgress, _ body: () throws -> T) rethrows -> T {
        engines.append((name, progress))
        defer { engines.removeLast() }
        return try body()
    }

    @TaskLocal static var current: TrainerContext?
}
