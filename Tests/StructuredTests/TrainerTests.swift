import Foundation
import Testing
import Events
import Metrics
import Structured
import TensorCore
import TestSupport

@Suite struct LoggingTests {
    /// A module whose training step logs the batch index, per step and per epoch, with each reduction.
    final class Logging: TrainingModule {
        let layer = Linear(inFeatures: 4, outFeatures: 3)
        var isTraining = true
        var children: [(String, any Module)] { [("layer", layer)] }
        func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            let value = Float(batchIndex + 1)
            try log("both", value, onStep: true, onEpoch: true)
            try log("weighted", value)                             // per step only (training default)
            try log("mean", value, onStep: false, onEpoch: true)   // weighted by batch size
            try log("total", value, onStep: false, onEpoch: true, reduction: .sum)
            try log("largest", value, onStep: false, onEpoch: true, reduction: .max)
            return crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        }
        func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
            try log("val_value", Float(batchIndex))                 // per epoch (validation default)
        }
        func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.01)) }
        func onTrainEpochStart() {
            #expect(throws: TrainerError.stepLoggingNotAllowed(name: "x", hook: "trainEpochStart")) { try self.log("x", 1, onStep: true) }
        }
        func onFitStart() {
            #expect(throws: TrainerError.loggingNotAllowed(name: "x", hook: "fitStart")) { try self.log("x", 1) }
        }
    }

    @Test func stepAndEpochKeysAndReductions() throws {
        // Batches of 4, 4 and 2 examples: the epoch mean weights by batch size.
        let trainer = quietTrainer()
        let data = syntheticData(count: 10)
        let metrics = try trainer.fit(Logging(), train: DataLoader(data, batchSize: 4), validation: DataLoader(data, batchSize: 5))
        #expect(metrics["both_step"] == 3)
        #expect(metrics["both_epoch"] == Float(1 * 4 + 2 * 4 + 3 * 2) / 10)
        #expect(metrics["weighted"] == 3)
        #expect(metrics["mean"] == 1.8)
        #expect(metrics["total"] == 6)
        #expect(metrics["largest"] == 3)
        #expect(metrics["val_value"] == 0.5)
        #expect(metrics["both"] == nil)
        #expect(throws: TrainerError.logOutsideTrainer(name: "x")) { try Logging().log("x", 1) }
    }

    @Test func loggedMetricObjectsAreComputedAndResetEachEpoch() throws { try withRandomScope(seed: 2) {
        let module = Classifier()
        let trainer = quietTrainer(maxEpochs: 2)
        let data = syntheticData(count: 30)
        let metrics = try trainer.fit(module, train: DataLoader(data, batchSize: 10), validation: DataLoader(data, batchSize: 7))
        // The logged value is the accuracy over the whole last validation pass.
        module.eval()
        let expected = try accuracy(predictions: withoutGradient { module(data.inputs) }, targets: data.labels, task: .multiclass(classes: 3))
        assertClose(metrics["val_accuracy"]!, expected.scalar)
        #expect(throws: MetricError.self) { try module.accuracy.compute() }   // reset after logging
    } }

    @Test func csvLoggerGetsLightningsLayout() throws { try withRandomScope(seed: 3) {
        let root = try makeTemporaryFolder()
        let trainer = quietTrainer(maxEpochs: 2)
        trainer.loggers = nil
        trainer.rootDirectory = root
        trainer.logEveryNSteps = 2
        try trainer.fit(Classifier(), train: DataLoader(syntheticData(count: 16), batchSize: 4))
        let csv = try String(contentsOfFile: "\(root)/lightning_logs/version_0/metrics.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines[0] == "step,epoch,train_loss")
        #expect(lines.count == 5)   // steps 2, 4, 6, 8
    } }
}

@Suite struct TrainerBehaviourTests {
    @Test func limitsValidationIntervalsAndMaxSteps() throws { try withRandomScope(seed: 4) {
        let module = Classifier()
        let validations = CountingCallback()
        let trainer = quietTrainer(maxEpochs: 2, callbacks: [validations])
        trainer.limitTrainBatches = .count(6)
        trainer.limitValidationBatches = .fraction(0.5)
        trainer.validationInterval = .fraction(0.5)
        trainer.sanityValidationSteps = 0
        let data = syntheticData(count: 40)
        try trainer.fit(module, train: DataLoader(data, batchSize: 4), validation: DataLoader(data, batchSize: 10))
        #expect(trainer.globalStep == 12)
        #expect(validations.validations == 4)        // twice per epoch
        #expect(validations.validationBatches == 8)  // half of 4 batches each time

        let byBatches = CountingCallback()
        let second = quietTrainer(maxEpochs: 3, callbacks: [byBatches])
        second.validationInterval = .everyBatches(4)
        second.checkValidationEveryEpochs = nil
        second.sanityValidationSteps = 0
        second.maxSteps = 10
        try second.fit(Classifier(), train: DataLoader(syntheticData(count: 24), batchSize: 4), validation: DataLoader(data, batchSize: 20))
        #expect(second.globalStep == 10)
        #expect(byBatches.validations == 2)          // after batches 4 and 8
    } }

    @Test func accumulationEqualsALargerBatch() throws {
        func weights(batch: Int, accumulation: Int) throws -> [Float] {
            try withRandomScope(seed: 5) {
                let module = Classifier()
                let trainer = quietTrainer(maxEpochs: 2)
                trainer.gradientAccumulation = accumulation
                try trainer.fit(module, train: DataLoader(syntheticData(count: 32), batchSize: batch))
                return module.parameters.flatMap(\.scalars)
            }
        }
        for (a, b) in zip(try weights(batch: 4, accumulation: 2), try weights(batch: 8, accumulation: 1)) {
            assertClose(a, b, relative: 1e-5, absolute: 1e-6)
        }
    }

    @Test func clippingBoundsTheStep() throws { try withRandomScope(seed: 6) {
        let module = Classifier()
        module.learningRate = 1
        let before = module.parameters.flatMap(\.scalars)
        let trainer = quietTrainer()
        trainer.gradientClipping = .norm(0.25)
        try trainer.fit(module, train: [syntheticData(count: 8).batch(at: Array(0..<8))])
        let change = zip(module.parameters.flatMap(\.scalars), before).map { $0 - $1 }
        assertClose(change.reduce(0) { $0 + $1 * $1 }.squareRoot(), 0.25, relative: 1e-4)
    } }

    @Test func earlyStoppingStopsAfterPatience() throws { try withRandomScope(seed: 7) {
        let module = Classifier()
        module.learningRate = 0   // nothing improves
        let stopper = EarlyStoppingCallback(monitor: "val_loss", patience: 2)
        let trainer = quietTrainer(maxEpochs: 20, callbacks: [stopper])
        let data = syntheticData(count: 16)
        try trainer.fit(module, train: DataLoader(data, batchSize: 8), validation: DataLoader(data, batchSize: 8))
        #expect(trainer.currentEpoch == 2)
        #expect(stopper.stoppingReason == .patienceExhausted && stopper.stoppedEpoch == 2)
    } }

    @Test func topKCheckpointsWithFilenameTemplate() throws { try withRandomScope(seed: 8) {
        let folder = try makeTemporaryFolder()
        let checkpoints = CheckpointCallback(directory: folder, filename: "{epoch}-{val_loss:.3f}", monitor: "val_loss", saveTopK: 2, saveLast: true)
        let trainer = quietTrainer(maxEpochs: 4, callbacks: [checkpoints])
        let data = syntheticData(count: 32)
        try trainer.fit(Classifier(), train: DataLoader(data, batchSize: 8), validation: DataLoader(data, batchSize: 16))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count == 3 && files.contains("last.ckpt"))
        #expect(files.filter { $0.hasPrefix("epoch=") }.allSatisfy { $0.range(of: #"^epoch=\d-val_loss=\d\.\d{3}\.ckpt$"#, options: .regularExpression) != nil })
        let kept = checkpoints.bestKModels.values.sorted()
        #expect(kept.count == 2 && checkpoints.bestModelScore == kept.first)
    } }

    @Test func resumingMidEpochMatchesAnUninterruptedRun() throws {
        let data = syntheticData()
        let loader = DataLoader(data, batchSize: 16, shuffle: true, seed: 3)   // 6 batches per epoch
        func module() -> Classifier {
            let m = Classifier(dropout: 0.2)
            m.schedule = SchedulerConfiguration(StepDecay(stepSize: 4, gamma: 0.5), interval: .step)
            return m
        }
        let uninterrupted = try withRandomScope(seed: 9) {
            let m = module()
            try quietTrainer(maxEpochs: 3).fit(m, train: loader, validation: loader)
            return m.parameters.flatMap(\.scalars)
        }
        let folder = try makeTemporaryFolder()
        try withRandomScope(seed: 9) {
            let m = module()
            let checkpoints = CheckpointCallback(directory: folder, filename: "{step}", everySteps: 1)
            let trainer = quietTrainer(maxEpochs: 3, callbacks: [checkpoints, StopAt(step: 8)])
            try trainer.fit(m, train: loader, validation: loader)
        }
        let resumed = try withRandomScope(seed: 1234) {
            let m = module()
            let trainer = quietTrainer(maxEpochs: 3)
            try trainer.fit(m, train: loader, validation: loader, resumeFrom: .path("\(folder)/step=8.ckpt"))
            #expect(trainer.globalStep == 18)
            return m.parameters.flatMap(\.scalars)
        }
        let identical = resumed == uninterrupted
        #expect(identical, "the resumed run's weights differ from the uninterrupted run's")
    }

    @Test func sameWeightsAsTheEventsFrontend() throws {
        let loader = DataLoader(syntheticData(), batchSize: 16, shuffle: true, seed: 4)
        let structured = try withRandomScope(seed: 10) {
            let m = Classifier(dropout: 0.3)
            try quietTrainer(maxEpochs: 2).fit(m, train: loader)
            return m.parameters.flatMap(\.scalars)
        }
        let events = try withRandomScope(seed: 10) {
            let m = Classifier(dropout: 0.3)
            try supervisedTrainer(model: m, optimizer: SGD(for: m, learningRate: 0.05)).run(loader, maxEpochs: 2)
            return m.parameters.flatMap(\.scalars)
        }
        let identical = structured == events
        #expect(identical, "Structured and Events trained to different weights")
    }

    @Test func badInputIsRefusedBeforeTraining() throws {
        final class NoOptimizer: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? { nil }
            func configureOptimizers() -> OptimizerConfiguration? { nil }
        }
        final class Manual: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            var automaticOptimization: Bool { false }
            var children: [(String, any Module)] { [("layer", layer)] }
            func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                optimizer!.zeroGradients()
                try manualBackward(crossEntropy(logits: self(batch.inputs), labels: batch.labels))
                optimizer!.step()
                return nil
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
        }
        let data = DataLoader(syntheticData(count: 8), batchSize: 4)
        #expect(throws: TrainerError.invalidSetting("configureOptimizers() returned no optimizer")) { try quietTrainer().fit(NoOptimizer(), train: data) }
        #expect(throws: TrainerError.missingData("the training data has no batches")) { try quietTrainer().fit(Classifier(), train: [LabeledBatch]()) }
        let accumulating = quietTrainer()
        accumulating.gradientAccumulation = 2
        #expect(throws: TrainerError.invalidSetting("gradientAccumulation is not supported with manual optimization; accumulate in trainingStep")) {
            try accumulating.fit(Manual(), train: data)
        }
        let manual = Manual()
        let before = manual.layer.weight.scalars
        try quietTrainer().fit(manual, train: data)
        #expect(manual.layer.weight.scalars != before, "manual optimization stepped")
        let missing = quietTrainer(callbacks: [EarlyStoppingCallback(monitor: "val_acc")])
        #expect(throws: TrainerError.self) { try missing.fit(Classifier(), train: data) }

        let folder = try makeTemporaryFolder()
        try TrainingCheckpoint(model: manual, optimizer: SGD(for: manual, learningRate: 0.1), epoch: 0, step: 0).save(to: folder + "/other.ckpt")
        let classifier = Classifier()
        let weights = classifier.parameters.flatMap(\.scalars)
        #expect(throws: CheckpointError.self) { try quietTrainer().fit(classifier, train: data, resumeFrom: .path(folder + "/other.ckpt")) }
        #expect(classifier.parameters.flatMap(\.scalars) == weights)
        #expect(throws: EngineError.self) { try quietTrainer().fit(Classifier(), train: data, resumeFrom: .last) }
    }

    @Test func anErrorRunsExceptionHooksAndKeepsTheLastCheckpoint() throws { try withRandomScope(seed: 11) {
        let folder = try makeTemporaryFolder()
        let module = Classifier()
        module.record = []
        let callback = RecordingCallback()
        let checkpoints = CheckpointCallback(directory: folder, filename: "{epoch}")
        let trainer = quietTrainer(maxEpochs: 3, callbacks: [callback, checkpoints])
        let data = DataLoader(syntheticData(count: 8), batchSize: 4)
        trainer.callbacks.append(FailInEpoch(1, module))
        #expect(throws: StepFailure.self) { try trainer.fit(module, train: data) }
        #expect(callback.record.last == "Callback.on_exception" && module.record!.last == "on_exception")
        let saved = try TrainingCheckpoint(contentsOf: "\(folder)/epoch=0.ckpt")
        #expect(saved.step == 2)
    } }

    @Test func fastDevRunAndOverfitBatches() throws { try withRandomScope(seed: 12) {
        let counting = CountingCallback()
        let trainer = quietTrainer(maxEpochs: 50, callbacks: [counting])
        trainer.fastDevRun = 2
        let data = syntheticData(count: 40)
        try trainer.fit(Classifier(), train: DataLoader(data, batchSize: 4), validation: DataLoader(data, batchSize: 4))
        #expect(trainer.globalStep == 2 && counting.validationBatches == 2)
        let overfit = quietTrainer(maxEpochs: 3)
        overfit.overfitBatches = .count(1)
        overfit.sanityValidationSteps = 0
        try overfit.fit(Classifier(), train: DataLoader(data, batchSize: 4))
        #expect(overfit.globalStep == 3)
        let results = try quietTrainer().test(Classifier(), data: DataLoader(data, batchSize: 10))
        #expect(results["test_loss"] != nil)
        let predictions = try quietTrainer().predict(Classifier(), data: DataLoader(data, batchSize: 10))
        #expect(predictions.count == 4 && predictions[0].shape == [10, 3])
    } }

    @Test func modelSummaryListsLayers() {
        let text = ModelSummary.render(Classifier())
        #expect(text.contains("network.0  Linear") && text.contains("[16, 4] [16]") && text.contains("131 trainable parameters"))
    }
}

final class CountingCallback: Callback {
    var validations = 0, validationBatches = 0
    func onValidationEnd(trainer: Trainer) throws { if !trainer.isSanityChecking { validations += 1 } }
    func onValidationBatchEnd(trainer: Trainer, batchIndex: Int) { if !trainer.isSanityChecking { validationBatches += 1 } }
}

final class StopAt: Callback {
    let step: Int
    init(step: Int) { self.step = step }
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws { if trainer.globalStep == step { trainer.shouldStop = true } }
}

final class FailInEpoch: Callback {
    let epoch: Int, module: Classifier
    init(_ epoch: Int, _ module: Classifier) { self.epoch = epoch; self.module = module }
    func onTrainEpochStart(trainer: Trainer) { if trainer.currentEpoch == epoch { module.failAtStep = 1 } }
}

@Suite struct DataModuleTests {
    final class SyntheticData: DataModule {
        var calls: [String] = []
        let data = syntheticData(count: 24)
        func prepareData() throws { calls.append("prepare") }
        func setup(stage: Stage) throws { calls.append("setup(\(stage))") }
        func trainData() throws -> DataLoader<TensorDataset> { calls.append("train"); return DataLoader(data, batchSize: 8) }
        func validationData() throws -> DataLoader<TensorDataset>? { calls.append("validation"); return DataLoader(data, batchSize: 12) }
        func teardown(stage: Stage) { calls.append("teardown(\(stage))") }
    }

    @Test func fitPreparesSetsUpAndTearsDownAndValidateReturnsEpochValues() throws { try withRandomScope(seed: 13) {
        let data = SyntheticData()
        let module = Classifier()
        let trainer = quietTrainer()
        trainer.sanityValidationSteps = 0
        let metrics = try trainer.fit(module, data: data)
        #expect(data.calls == ["prepare", "setup(fit)", "train", "validation", "teardown(fit)"])
        #expect(trainer.globalStep == 3 && metrics["val_loss"] != nil)
        let validation = try quietTrainer().validate(module, data: DataLoader(data.data, batchSize: 24))
        module.eval()
        let expected = crossEntropy(logits: withoutGradient { module(data.data.inputs) }, labels: data.data.labels).scalar
        assertClose(validation["val_loss"]!, expected, relative: 1e-5)
    } }
}

@Suite struct PlateauScheduleTests {
    /// A module whose monitored value follows a script, to pin when the rate drops.
    final class Scripted: TrainingModule {
        let layer = Linear(inFeatures: 4, outFeatures: 3)
        let values: [Float]
        var epoch = 0
        var isTraining = true
        var children: [(String, any Module)] { [("layer", layer)] }
        init(values: [Float]) { self.values = values }
        func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        }
        func onTrainEpochEnd() { epoch += 1 }
        func onTrainEpochStart() { try? log("score", values[epoch]) }
        func configureOptimizers() -> OptimizerConfiguration? {
            OptimizerConfiguration(SGD(for: self, learningRate: 1),
                                   scheduler: SchedulerConfiguration(reduceOnPlateau: PlateauReduction(monitor: "score", factor: 0.5, patience: 1)))
        }
    }

    @Test func rateDropsAfterMoreThanPatienceEpochsWithoutImprovement() throws {
        // Improves, then flat: PyTorch's rule reduces on the second epoch without improvement,
        // then counts afresh.
        let module = Scripted(values: [5, 4, 4, 4, 4, 4, 3])
        var rates: [Float] = []
        final class Rates: Callback {
            var rates: [Float] = []
            func onTrainEpochStart(trainer: Trainer) { rates.append(trainer.optimizer!.learningRate) }
        }
        let recorder = Rates()
        let trainer = quietTrainer(maxEpochs: 7, callbacks: [recorder])
        try trainer.fit(module, train: DataLoader(syntheticData(count: 8), batchSize: 8))
        rates = recorder.rates
        #expect(rates == [1, 1, 1, 1, 0.5, 0.5, 0.25])
        let missing = quietTrainer()
        final class NoScore: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? { crossEntropy(logits: self(batch.inputs), labels: batch.labels) }
            func configureOptimizers() -> OptimizerConfiguration? {
                OptimizerConfiguration(SGD(for: self, learningRate: 1),
                                       scheduler: SchedulerConfiguration(reduceOnPlateau: PlateauReduction(monitor: "val_loss")))
            }
        }
        #expect(throws: TrainerError.self) { try missing.fit(NoScore(), train: DataLoader(syntheticData(count: 8), batchSize: 8)) }
    }

    /// Validation data for a module without `validationStep` is skipped with one warning
    /// (Lightning's rule), not run for nothing every epoch.
    @Test func validationDataWithoutAValidationStepWarnsOnceAndIsSkipped() throws {
        final class TrainOnly: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            var forwardPasses = 0
            var children: [(String, any Module)] { [("layer", layer)] }
            func callAsFunction(_ x: Tensor) -> Tensor { forwardPasses += 1; return layer(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
        }
        final class CountsValidationBatches: Callback {
            var count = 0
            func onValidationBatchStart(trainer: Trainer, batchIndex: Int) { count += 1 }
        }
        let module = TrainOnly(), counter = CountsValidationBatches(), trainer = quietTrainer(maxEpochs: 3, callbacks: [counter])
        try trainer.fit(module, train: DataLoader(syntheticData(count: 16), batchSize: 4),
                        validation: DataLoader(syntheticData(count: 16, seed: 2), batchSize: 4))
        #expect(trainer.warnings == ["validation data was given, but TrainOnly has no validationStep(_:batchIndex:); skipping validation"])
        #expect(counter.count == 1)   // the sanity check's first batch finds out; no epoch validates (else 2 + 3 * 4)
        #expect(module.forwardPasses == 3 * 4)
    }

    /// `trainer.profiler` times each hook (callbacks' and the module's), the steps and the
    /// handlers of fit, through the same profiler as Events.
    @Test func theProfilerTimesHooksStepsAndHandlers() throws {
        let profiler = RunProfiler(), trainer = quietTrainer(maxEpochs: 2)
        trainer.profiler = profiler
        trainer.sanityValidationSteps = 0
        try trainer.fit(Classifier(), train: DataLoader(syntheticData(count: 16), batchSize: 4),
                        validation: DataLoader(syntheticData(count: 8, seed: 2), batchSize: 4))
        let calls = Dictionary(uniqueKeysWithValues: profiler.summary().map { ($0.name, $0.calls) })
        #expect(calls["module.trainingStep"] == 8 && calls["training step"] == 8)
        #expect(calls["validation step"] == 4 && calls["module.validationEpochEnd"] == 2)
        #expect(calls["module.onTrainBatchEnd"] == nil && calls["module.trainBatchEnd"] == 8)
        #expect(calls["Trainer (epochCompleted)"] == 2)
    }

    /// The Tuner runs Events' finder on the module's own training step: the same sweep and
    /// suggestion as the Events frontend with the same model, optimizer and data.
    @Test func theTunerFindsTheSameRateAsEvents() throws {
        let loader = DataLoader(syntheticData(count: 128), batchSize: 8, shuffle: true, seed: 2)
        let finder = LearningRateFinder(minimumRate: 1e-4, maximumRate: 10, steps: 40)
        let structured = try withRandomScope(seed: 7) {
            try Tuner(trainer: quietTrainer()).learningRateFind(Classifier(), train: loader, finder: finder)
        }
        let events = try withRandomScope(seed: 7) {
            let model = Classifier()
            return try finder.run(model: model, optimizer: SGD(for: model, learningRate: model.learningRate), data: loader) { batch in
                (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
            }
        }
        #expect(structured.rates == events.rates && structured.losses == events.losses)
        #expect(structured.suggestion != nil && structured.suggestion == events.suggestion)
    }

}
