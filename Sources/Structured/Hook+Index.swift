extension Hook {
    /// The hook's position in ``allCases`` (a number below `allCases.count`, one per hook):
    /// what the dispatcher finds a hook's callbacks by, without hashing it on each of a batch's
    /// hooks. `HookOrderTests` checks it against `allCases`.
    package var index: Int {
        switch self {
        case .fitStart: 0
        case .fitEnd: 1
        case .trainStart: 2
        case .trainEnd: 3
        case .trainEpochStart: 4
        case .trainEpochEnd: 5
        case .trainBatchStart: 6
        case .trainBatchEnd: 7
        case .trainingStep: 8
        case .beforeBackward: 9
        case .afterBackward: 10
        case .beforeOptimizerStep: 11
        case .beforeZeroGrad: 12
        case .validationStart: 13
        case .validationEnd: 14
        case .validationEpochStart: 15
        case .validationEpochEnd: 16
        case .validationBatchStart: 17
        case .validationBatchEnd: 18
        case .validationStep: 19
        case .testStart: 20
        case .testEnd: 21
        case .testEpochStart: 22
        case .testEpochEnd: 23
        case .testBatchStart: 24
        case .testBatchEnd: 25
        case .testStep: 26
        case .predictStep: 27
        case .configureOptimizers: 28
        case .saveCheckpoint: 29
        case .loadCheckpoint: 30
        case .exception: 31
        }
    }
}
