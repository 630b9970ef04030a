import Events
import Metrics
import TensorCore

/// What `log` writes into while a Trainer runs: bound for the duration of `fit`, `validate`
/// and `test`.
final class TrainerContext: @unchecked Sendable {
    unowned let trainer: Trainer
    var hook: Hook = .fitStart
    /// The current stage's logged values (its step values until the next logger write).
    var results = LoggedValues()
    var batchSize = 1
    var isSanityCheck = false
    /// Set by the default `validationStep`: the module has none, so validation is skipped.
    var lacksValidationStep = false
    /// Set for manual optimization.
    var optimizer: (any Optimizer)?
    /// The run's optimization step (manual optimization's backward goes through it).
    var optimization: OptimizationStep?
    /// Metric objects logged during the sanity check, reset when it ends.
    var sanityMetrics: [any Metric] = []
    var module: (any Module)?

    init(trainer: Trainer) {
        self.trainer = trainer
    }

    @TaskLocal static var current: TrainerContext?
}
