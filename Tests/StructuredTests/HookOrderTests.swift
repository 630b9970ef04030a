import Testing
import Structured
import TensorCore

/// The hook order of a small `fit` (one epoch, two training and two validation batches), as
/// Lightning's `test_trainer_model_hook_system_fit` pins it: for each event the callback fires
/// before the module, sanity validation first, end-of-epoch validation before `on_train_epoch_end`.
@Suite struct HookOrderTests {
    @Test func fitCallsHooksInLightningsOrder() throws { try withRandomScope(seed: 1) {
        let module = Classifier()
        module.record = []
        let callback = RecordingCallback()
        let trainer = quietTrainer(callbacks: [callback])
        let data = syntheticData(count: 8)
        let train = DataLoader(data, batchSize: 4), validation = DataLoader(data, batchSize: 4)
        // Route the callback's entries into the module's list so one sequence holds both.
        let router = RoutingCallback(callback, into: module)
        trainer.callbacks = [router]
        try trainer.fit(module, train: train, validation: validation)
        let merged = module.record!
        let validationPass = ["Callback.on_validation_start", "on_validation_start", "Callback.on_validation_epoch_start", "on_validation_epoch_start"]
            + Array(repeating: ["Callback.on_validation_batch_start", "on_validation_batch_start", "validation_step",
                                "Callback.on_validation_batch_end", "on_validation_batch_end"], count: 2).flatMap { $0 }
            + ["Callback.on_validation_epoch_end", "on_validation_epoch_end", "Callback.on_validation_end", "on_validation_end"]
        let trainBatch = ["Callback.on_train_batch_start", "on_train_batch_start", "training_step",
                          "Callback.on_before_zero_grad", "on_before_zero_grad",
                          "Callback.on_before_backward", "on_before_backward", "Callback.on_after_backward", "on_after_backward",
                          "Callback.on_before_optimizer_step", "on_before_optimizer_step",
                          "Callback.on_train_batch_end", "on_train_batch_end"]
        let expected = ["configure_optimizers", "Callback.on_fit_start", "on_fit_start", "Callback.on_sanity_check_start"]
            + validationPass + ["Callback.on_sanity_check_end", "Callback.on_train_start", "on_train_start",
                                "Callback.on_train_epoch_start", "on_train_epoch_start"]
            + trainBatch + trainBatch + validationPass
            + ["Callback.on_train_epoch_end", "on_train_epoch_end", "Callback.on_train_end", "on_train_end", "Callback.on_fit_end", "on_fit_end"]
        #expect(merged == expected)
    } }

    /// The dispatcher finds a hook's callbacks by the hook's index, which a switch gives:
    /// it must be the hook's position among all hooks.
    @Test func eachHookIndexIsItsPositionAmongAllHooks() {
        #expect(Hook.allCases.enumerated().allSatisfy { $0.element.index == $0.offset })
    }

    /// The package's callbacks name the per-batch hooks they implement, and the dispatcher
    /// leaves them out of the rest: the ones they name still reach them, every batch.
    @Test func thePackagesCallbacksGetThePerBatchHooksTheyImplement() throws { try withRandomScope(seed: 3) {
        final class Lines: @unchecked Sendable { var lines: [String] = [] }
        let written = Lines()
        let bar = ProgressBarCallback(terminal: false) { written.lines.append($0) }
        let data = syntheticData(count: 16)
        try quietTrainer(callbacks: [bar]).fit(Classifier(), train: DataLoader(data, batchSize: 4))
        #expect(written.lines.count == 4, "a plain line after each of the four batches (ten a epoch at most)")
        let timed = quietTrainer(maxEpochs: 3, callbacks: [TimerCallback(duration: 1e-9)])
        try timed.fit(Classifier(), train: DataLoader(data, batchSize: 4))
        #expect(timed.globalStep == 1, "the timer stops training after the batch that used its budget up")
    } }

    /// Where each hook ran, as the dispatcher saw it: the table of hooks against the Events
    /// engine's events that the comparison report prints.
    @Test func theTrainerRecordsWhichEventEachHookRanIn() throws { try withRandomScope(seed: 2) {
        let trainer = quietTrainer(maxEpochs: 2)
        let data = syntheticData(count: 8)
        try trainer.fit(Classifier(), train: DataLoader(data, batchSize: 4), validation: DataLoader(data, batchSize: 4))
        _ = try trainer.test(Classifier(), data: DataLoader(data, batchSize: 4))
        let places = trainer.hookPlaces
        #expect(places[.trainEpochStart] == ["training engine: epochStarted"])
        #expect(places[.trainingStep] == ["training engine: step"])
        #expect(places[.trainBatchStart] == ["training engine: step"], "the batch hooks run inside the step function")
        #expect(places[.trainEpochEnd] == ["training engine: epochCompleted"])
        #expect(places[.trainStart] == ["training engine: started"] && places[.trainEnd] == ["training engine: completed"])
        #expect(places[.validationStep] == ["validation engine: step"])
        // Validation runs from the training engine's epoch end, or before training (the sanity check).
        #expect(places[.validationStart] == ["training engine: epochCompleted", "outside the engine"])
        #expect(places[.fitStart] == ["outside the engine"] && places[.configureOptimizers] == ["outside the engine"])
        #expect(places[.testStep] == ["test engine: step"])
    } }
}

/// Forwards a recording callback's entries into the module's record as they happen.
final class RoutingCallback: Callback {
    let inner: RecordingCallback
    let module: Classifier
    init(_ inner: RecordingCallback, into module: Classifier) { self.inner = inner; self.module = module }
    private func forward(_ body: () throws -> Void) rethrows {
        let before = inner.record.count
        try body()
        module.record?.append(contentsOf: inner.record[before...])
    }
    func onFitStart(trainer: Trainer) { forward { inner.onFitStart(trainer: trainer) } }
    func onFitEnd(trainer: Trainer) { forward { inner.onFitEnd(trainer: trainer) } }
    func onSanityCheckStart(trainer: Trainer) { forward { inner.onSanityCheckStart(trainer: trainer) } }
    func onSanityCheckEnd(trainer: Trainer) { forward { inner.onSanityCheckEnd(trainer: trainer) } }
    func onTrainStart(trainer: Trainer) { forward { inner.onTrainStart(trainer: trainer) } }
    func onTrainEnd(trainer: Trainer) { forward { inner.onTrainEnd(trainer: trainer) } }
    func onTrainEpochStart(trainer: Trainer) { forward { inner.onTrainEpochStart(trainer: trainer) } }
    func onTrainEpochEnd(trainer: Trainer) throws { try forward { try inner.onTrainEpochEnd(trainer: trainer) } }
    func onTrainBatchStart(trainer: Trainer, batchIndex: Int) { forward { inner.onTrainBatchStart(trainer: trainer, batchIndex: batchIndex) } }
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws { try forward { try inner.onTrainBatchEnd(trainer: trainer, batchIndex: batchIndex) } }
    func onValidationStart(trainer: Trainer) { forward { inner.onValidationStart(trainer: trainer) } }
    func onValidationEnd(trainer: Trainer) throws { try forward { try inner.onValidationEnd(trainer: trainer) } }
    func onValidationEpochStart(trainer: Trainer) { forward { inner.onValidationEpochStart(trainer: trainer) } }
    func onValidationEpochEnd(trainer: Trainer) { forward { inner.onValidationEpochEnd(trainer: trainer) } }
    func onValidationBatchStart(trainer: Trainer, batchIndex: Int) { forward { inner.onValidationBatchStart(trainer: trainer, batchIndex: batchIndex) } }
    func onValidationBatchEnd(trainer: Trainer, batchIndex: Int) { forward { inner.onValidationBatchEnd(trainer: trainer, batchIndex: batchIndex) } }
    func onBeforeBackward(trainer: Trainer, loss: Tensor) { forward { inner.onBeforeBackward(trainer: trainer, loss: loss) } }
    func onAfterBackward(trainer: Trainer) { forward { inner.onAfterBackward(trainer: trainer) } }
    func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer) { forward { inner.onBeforeZeroGrad(trainer: trainer, optimizer: optimizer) } }
    func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer) { forward { inner.onBeforeOptimizerStep(trainer: trainer, optimizer: optimizer) } }
    func onException(trainer: Trainer, error: Error) { forward { inner.onException(trainer: trainer, error: error) } }
}
