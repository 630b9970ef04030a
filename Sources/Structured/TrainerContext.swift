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
    /// The engines running now, innermost last (validation inside training). Changed only by
    /// replacing it, as the place bookkeeping below: with no change made in place, the compiler
    /// proves every access exclusive and drops the run-time check from the reads every hook makes.
    private(set) var engines: [(name: String, progress: any EngineProgress)] = []
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

    /// The places hooks ran at, by number: an engine's name and what it was doing, or
    /// `outside the engine`.
    private var placeNames: [String] = []
    /// The place each hook was last noted at. A hook noted at the same place as last time, as
    /// every batch's hooks are, costs a comparison of numbers.
    private var lastPlaces: [(hook: Hook, place: Int)] = []
    /// The last place looked up, by the engine's name and activity.
    private var lastResolved: (engine: String?, activity: String, place: Int)?
    /// The place of the hooks that run now when it cannot change: within a batch's step
    /// (``atStepPlace(_:)``). Its seven hooks then skip reading the engine's activity.
    private var stepPlace: Int?

    private func notePlace() {
        let place = stepPlace ?? resolvePlace(), hook = hook
        var index = 0
        while index < lastPlaces.count && lastPlaces[index].hook != hook { index += 1 }
        if index < lastPlaces.count && lastPlaces[index].place == place { return }
        var places = lastPlaces
        lastPlaces = []   // the copy's storage stays unique: no copy on change
        if index < places.count { places[index].place = place } else { places.append((hook, place)) }
        lastPlaces = places
        trainer.hookPlaces[hook, default: []].insert(placeNames[place])
    }

    /// The number of the place the innermost engine stands at now.
    private func resolvePlace() -> Int {
        let top = engines.last
        let engine = top?.name, activity = top?.progress.activity ?? ""
        if let lastResolved, lastResolved.engine == engine, lastResolved.activity == activity { return lastResolved.place }
        let name = engine.map { "\($0) engine: \(activity)" } ?? "outside the engine"
        let place = placeNames.firstIndex(of: name) ?? placeNames.count
        if place == placeNames.count { placeNames = placeNames + [name] }
        lastResolved = (engine, activity, place)
        return place
    }

    /// Runs `body`, a batch's step, whose hooks all run where the engine stands now.
    func atStepPlace<T>(_ body: () throws -> T) rethrows -> T {
        let outer = stepPlace
        stepPlace = resolvePlace()
        defer { stepPlace = outer }
        return try body()
    }

    /// Runs `body` (an engine's run) with `engine` innermost.
    func running<T>(_ name: String, _ progress: any EngineProgress, _ body: () throws -> T) rethrows -> T {
        engines = engines + [(name, progress)]
        // The engine's hooks run at its own places, not at the step that started it.
        let outer = stepPlace
        stepPlace = nil
        defer {
            engines = Array(engines.dropLast())
            stepPlace = outer
        }
        return try body()
    }

    @TaskLocal static var current: TrainerContext?
}
