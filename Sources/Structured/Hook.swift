import Events
import Metrics
import TensorCore

/// The hooks `log` can be called from, with Lightning's defaults (`fx_validator.py`): steps and
/// batch hooks of training log per step, everything else per epoch; some hooks may not log.
public enum Hook: String, Sendable, CaseIterable {
    case fitStart, fitEnd, trainStart, trainEnd, trainEpochStart, trainEpochEnd, trainBatchStart, trainBatchEnd
    case trainingStep, beforeBackward, afterBackward, beforeOptimizerStep, beforeZeroGrad
    case validationStart, validationEnd, validationEpochStart, validationEpochEnd, validationBatchStart, validationBatchEnd, validationStep
    case testStart, testEnd, testEpochStart, testEpochEnd, testBatchStart, testBatchEnd, testStep
    case predictStep, configureOptimizers, saveCheckpoint, loadCheckpoint, exception

    /// (onStep, onEpoch) defaults, or nil where logging is not allowed.
    var loggingDefaults: (onStep: Bool, onEpoch: Bool)? {
        switch self {
        case .trainingStep, .trainBatchStart, .trainBatchEnd, .beforeBackward, .afterBackward, .beforeOptimizerStep, .beforeZeroGrad:
            (true, false)
        case .validationStep, .validationBatchStart, .validationBatchEnd, .testStep, .testBatchStart, .testBatchEnd,
             .trainStart, .trainEpochStart, .trainEpochEnd, .validationStart, .validationEpochStart, .validationEpochEnd,
             .testStart, .testEpochStart, .testEpochEnd:
            (false, true)
        default: nil
        }
    }

    /// Hooks where `onStep: true` is not allowed (they run once per epoch or run).
    var allowsStepLogging: Bool {
        switch self {
        case .trainStart, .trainEpochStart, .trainEpochEnd, .validationStart, .validationEpochStart, .validationEpochEnd,
             .testStart, .testEpochStart, .testEpochEnd: false
        default: true
        }
    }
}
