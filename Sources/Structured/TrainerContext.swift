import Events
import Metrics
import TensorCore

/// What `log` writes into while a Trainer runs: bound for the duration of `fit`, `validate`
/// and `test`.
final class TrainerContext: @unchecked Sendable {
    unowned let trainer: Trainer
    var hook: Hook = .fitStart
    var results: LogResults
    var batchSize = 1
    /// Values logged per step since the last logger write.
    var stepValues: [String: Float] = [:]
    var stepProgressBar = Set<String>()
    var stepLogger = Set<String>()
    var isSanityCheck = false
    /// Set for manual optimization.
    var optimizer: (any Optimizer)?
    /// The run's optimization step (manual optimization's backward goes through it).
    var optimization: OptimizationStep?
    /// Metric objects logged during the sanity check, reset when it ends.
    var sanityMetrics: [any Metric] = []
    var module: (any Module)?

    init(trainer: Trainer, results: LogResults) {
        self.trainer = trainer
        self.results = results
    }

    @TaskLocal static var current: TrainerContext?
}
