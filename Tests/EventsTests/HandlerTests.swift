import Foundation
import Testing
import Events
import Metrics
import TensorCore
import TestSupport

@Suite struct HandlerTests {
    @Test func checkpointsKeepTheLastN() throws {
        let folder = try makeTemporaryFolder()
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.1)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        let checkpoints = ModelCheckpoint(directory: folder, prefix: "last", keep: 2)
        checkpoints.attach(to: trainer, at: .epochCompleted, model: model, optimizer: optimizer)
        try trainer.run(DataLoader(syntheticData(count: 16), batchSize: 8), maxEpochs: 4)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["last_epoch=3_step=6.ckpt", "last_epoch=4_step=8.ckpt"])
        let restored = try TrainingCheckpoint(contentsOf: checkpoints.lastCheckpoint!)
        #expect(restored.epoch == 4 && restored.step == 8)
        #expect(try restored.extra.component(EnginePosition.self)?.iteration == 8)
    }

    @Test func checkpointsKeepTheBestNByScore() throws {
        let folder = try makeTemporaryFolder()
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.1)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        let scores: [Float] = [0.5, 0.9, 0.7, 0.95, 0.6]
        let best = ModelCheckpoint(directory: folder, prefix: "best", keep: 2, scoreName: "accuracy") { scores[trainer.state.epoch - 1] }
        best.attach(to: trainer, at: .epochCompleted, model: model, optimizer: optimizer)
        try trainer.run(DataLoader(syntheticData(count: 8), batchSize: 8), maxEpochs: 5)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["best_epoch=2_step=2_accuracy=0.9000.ckpt", "best_epoch=4_step=4_accuracy=0.9500.ckpt"])
        #expect(best.bestCheckpoint == "\(folder)/best_epoch=4_step=4_accuracy=0.9500.ckpt")
    }

    @Test func checkpointNamesFollowATemplateAndTheBestIsFoundAfterARestart() throws {
        let folder = try makeTemporaryFolder()
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.1)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        let scores: [Float] = [0.5, 0.9, 0.7]
        let best = ModelCheckpoint(directory: folder, prefix: "best", keep: 2, scoreName: "accuracy", filename: "{epoch}-{accuracy:.2f}") {
            scores[trainer.state.epoch - 1]
        }
        best.attach(to: trainer, at: .epochCompleted, model: model, optimizer: optimizer)
        try trainer.run(DataLoader(syntheticData(count: 8), batchSize: 8), maxEpochs: 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["epoch=2-accuracy=0.90.ckpt", "epoch=3-accuracy=0.70.ckpt"])
        // A new process knows no files; the scores stored inside them still say which is best.
        let restarted = ModelCheckpoint(directory: folder, prefix: "best", keep: 2, scoreName: "accuracy") { 0 }
        #expect(restarted.bestCheckpoint == nil)
        #expect(restarted.bestCheckpointOnDisk() == "\(folder)/epoch=2-accuracy=0.90.ckpt")
        #expect(CheckpointFiles.name(from: "run-{step}-{loss:.1f}-{missing}", epoch: 0, step: 7, values: ["loss": 0.25]) == "run-step=7-loss=0.2-missing=nan")
    }

    @Test func earlyStoppingTerminatesAfterPatience() throws {
        let trainer = Engine<Int, Int> { _, batch in batch }
        let validation: [Float] = [0.5, 0.4, 0.45, 0.41, 0.40, 0.3]   // best 0.4 at epoch 2; no real improvement after
        var evaluations = 0
        let stopper = EarlyStopping(patience: 3, minimumDelta: 0.005, trainer: trainer) { validation[evaluations - 1] }
        let evaluator = Engine<Int, Int> { _, batch in batch }
        stopper.attach(to: evaluator, mode: .min)
        trainer.on(.epochCompleted) { _ in evaluations += 1; try evaluator.run([1]) }
        try trainer.run([1, 2], maxEpochs: 10)
        #expect(trainer.state.epoch == 5)
        #expect(stopper.best == 0.4)
    }

    @Test func patienceCountsOnlyImprovementsBeyondTheDelta() {
        #expect(MonitorMode.min.isImprovement(0.39, over: 0.4))
        #expect(!MonitorMode.min.isImprovement(0.399, over: 0.4, by: 0.005))
        #expect(MonitorMode.max.isImprovement(0.97, over: 0.96, by: 0.005))
        #expect(!MonitorMode.max.isImprovement(0.96, over: 0.96))

        // 0.90 is the first best; 0.905 is better, but not by more than 0.01; 0.95 resets the wait;
        // after 0.94 and 0.955, patience (2) runs out.
        var tracker = PatienceTracker(mode: .max, patience: 2, minimumDelta: 0.01)
        var stops: [Bool] = [], waits: [Int] = []
        for value: Float in [0.90, 0.905, 0.95, 0.94, 0.955] {
            stops.append(tracker.observe(value))
            waits.append(tracker.waitCount)
        }
        #expect(stops == [false, false, false, false, true])
        #expect(waits == [0, 1, 0, 1, 2])
        #expect(tracker.best == 0.95)
    }

    @Test func terminateOnNaNStopsTheRun() throws {
        let trainer = Engine<Float, Float> { _, value in value }
        TerminateOnNaN().attach(to: trainer)
        try trainer.run([1, 2, .nan, 4], maxEpochs: 2)
        #expect(trainer.state.iteration == 3)
    }

    @Test func schedulerStepsPerIterationOrEpoch() throws {
        let optimizer = SGD(parameters: [Tensor([0])], learningRate: 1)
        let scheduler = LearningRateScheduler(StepDecay(stepSize: 2, gamma: 0.5), optimizer: optimizer)
        let trainer = Engine<Int, Int> { _, batch in batch }
        var rates: [Float] = []
        trainer.on(.iterationStarted) { _ in rates.append(optimizer.learningRate) }
        scheduler.attach(to: trainer, every: .iteration)
        try trainer.run([1, 2, 3], maxEpochs: 2)
        #expect(rates == [1, 1, 0.5, 0.5, 0.25, 0.25])
        #expect(trainer.state.metrics["lr"] == 0.125)
        let perEpoch = LearningRateScheduler(ExponentialDecay(gamma: 0.1), optimizer: optimizer)
        let second = Engine<Int, Int> { _, batch in batch }
        perEpoch.attach(to: second, every: .epoch)
        try second.run([1, 2], maxEpochs: 2)
        #expect(perEpoch.stepCount == 2)
    }

    @Test func timerMeasuresBetweenEvents() throws {
        let engine = Engine<Int, Int> { _, batch in Thread.sleep(forTimeInterval: 0.01); return batch }
        let total = EngineTimer(), perStep = EngineTimer(averagePerStep: true)
        total.attach(to: engine)
        perStep.attach(to: engine, start: .started, pause: .completed, step: .iterationCompleted)
        try engine.run([1, 2, 3])
        #expect(total.value >= 0.03 && total.value < 1)
        #expect(perStep.value >= 0.01 && perStep.value < total.value)
    }

    @Test func progressBarPrintsPlainLinesWhenNotATerminal() throws {
        var text = ""
        let engine = Engine<Int, Float> { _, batch in Float(batch) / 2 }
        ProgressBar(values: ["accuracy"], plainEvery: 2, terminal: false, write: { text += $0 }).attach(to: engine)
        engine.on(.iterationCompleted) { $0.state.metrics["accuracy"] = 0.75 }
        try engine.run([1, 2, 3, 4, 5])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("epoch 1/1 2/5 "))
        #expect(lines[0].contains("it/s") && lines[0].contains("left") && lines[0].contains("output 1.0000") && lines[0].contains("accuracy 0.7500"))
        #expect(lines[2].hasPrefix("epoch 1/1 5/5 "))
        var terminal = ""
        ProgressBar(terminal: true, write: { terminal += $0 }).attach(to: engine)
        try engine.run([1, 2])
        #expect(terminal.contains("\r") && terminal.contains("[########################]"))
    }

    /// The bar writes its numbers itself, as `String(format:)` would (Foundation's formatting
    /// cost more than a small model's batch per line): the same text for every kind of value.
    @Test func progressBarNumbersReadAsPrintfWritesThem() {
        var generator = RandomGenerator(seed: 5)
        var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, 0.125, -0.125, 0.00004, -0.00004, 0.99995, 9.99995, 1e9, 123456.78951, -7.25,
                                .nan, .infinity, -.infinity, 1e20]
        for _ in 0..<20_000 {
            let magnitude = Double(generator.nextUniform()) * 12 - 6
            values.append((Double(generator.nextUniform()) - 0.5) * pow(10, magnitude))
            values.append(Double(Float((Double(generator.nextUniform()) - 0.5) * pow(10, magnitude))))
        }
        for decimals in [0, 1, 2, 4] {
            let mismatches = values.filter { ProgressBar.fixed($0, decimals: decimals) != String(format: "%.\(decimals)f", $0) }
            #expect(mismatches.isEmpty, "\(decimals) decimals: \(mismatches.prefix(5).map { ($0, ProgressBar.fixed($0, decimals: decimals)) })")
        }
        #expect(ProgressBar.duration(125) == "2m05s" && ProgressBar.duration(59.4) == "59s")
    }

    /// On a terminal the line is redrawn at most every `redrawInterval` seconds (a fast model
    /// would otherwise write a line per batch), and the epoch's last line always.
    @Test func progressBarRedrawsATerminalLineAtMostEveryInterval() throws {
        let engine = Engine<Int, Float> { _, batch in Float(batch) }
        var throttled = "", everyBatch = ""
        let bar = ProgressBar(terminal: true, write: { throttled += $0 })
        bar.redrawInterval = 60   // longer than the run, however slow the machine
        bar.attach(to: engine)
        let unthrottled = ProgressBar(terminal: true, write: { everyBatch += $0 })
        unthrottled.redrawInterval = 0
        unthrottled.attach(to: engine)
        try engine.run(Array(1...200))
        #expect(throttled.filter { $0 == "\r" }.count == 2, "the first batch's line and the epoch's last")
        #expect(throttled.contains("200/200") && throttled.contains("[########################]"))
        #expect(everyBatch.filter { $0 == "\r" }.count == 201, "each batch's line and the epoch's last")
    }

    @Test func csvLoggerWritesLightningsLayout() throws {
        let root = try makeTemporaryFolder()
        let first = try CSVLogger(root: root, name: "mnist")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/mnist"), "nothing is created before the first write")
        let engine = Engine<Int, Float> { _, batch in Float(batch) }
        first.attach(to: engine, at: .iterationCompleted) { ["loss": $0.state.output!] }
        first.attach(to: engine, at: .epochCompleted) { _ in ["accuracy": 0.5] }
        try engine.run([1, 2])
        try first.logHyperparameters(["model": "mlp", "lr": "0.001"])
        let csv = try String(contentsOfFile: "\(first.directory)/metrics.csv", encoding: .utf8)
        #expect(csv == "step,loss,accuracy\n1,1.0,\n2,2.0,\n2,,0.5\n")
        #expect(try String(contentsOfFile: "\(first.directory)/hparams.yaml", encoding: .utf8) == "lr: 0.001\nmodel: mlp\n")
        // The next run's logger takes the next version.
        let second = try CSVLogger(root: root, name: "mnist")
        #expect(first.directory == "\(root)/mnist/version_0" && second.directory == "\(root)/mnist/version_1")
        // One run's CSV and TensorBoard loggers share the version they are given.
        let version = nextLogVersion(root: root, name: "mnist")
        let csv2 = try CSVLogger(root: root, name: "mnist", version: version), board = try TensorBoardLogger(root: root, name: "mnist", version: version)
        try csv2.log(["loss": 1], step: 1)
        try board.log(["loss": 1], step: 1)
        try board.finish(succeeded: true)
        #expect(version == 1 && csv2.directory == "\(root)/mnist/version_1" && board.directory == csv2.directory)
        #expect(nextLogVersion(root: root, name: "mnist") == 2)
    }

    @Test func metricUsages() throws {
        let engine = Engine<Float, Float> { _, value in value }
        Mean(name: "epoch").attach(to: engine, name: "epoch") { $0.update($1) }
        Mean(name: "batch").attach(to: engine, name: "batch", usage: .batchWise) { $0.update($1) }
        Mean(name: "running").attach(to: engine, name: "running", usage: .runningBatchWise) { $0.update($1) }
        var snapshots: [[Float]] = []
        engine.on(.iterationCompleted) { e in snapshots.append([e.state.metrics["batch"]!, e.state.metrics["running"]!]) }
        try engine.run([2, 4, 9], maxEpochs: 2)
        #expect(engine.state.metrics["epoch"] == 5)
        #expect(snapshots.map { $0[0] } == [2, 4, 9, 2, 4, 9])
        #expect(snapshots.map { $0[1] } == [2, 3, 5, 4.25, 4.2, 5])
    }

    /// Ignite's `RunningEpochWise` (everything so far, computed per epoch) and `BatchFiltered`
    /// (an epoch value from every n-th batch only).
    @Test func runningEpochWiseAndBatchFilteredUsages() throws {
        let engine = Engine<Float, Float> { _, value in value }
        Mean(name: "running").attach(to: engine, name: "running", usage: .runningEpochWise) { $0.update($1) }
        Mean(name: "sampled").attach(to: engine, name: "sampled", usage: .batchFiltered(every: 2)) { $0.update($1) }
        var perEpoch: [[Float]] = []
        engine.on(.epochCompleted) { e in perEpoch.append([e.state.metrics["running"]!, e.state.metrics["sampled"]!]) }
        try engine.run([2, 4, 9, 1], maxEpochs: 2)
        #expect(perEpoch.map { $0[0] } == [4, 4])          // (2+4+9+1)/4, then the same 8 values
        #expect(perEpoch.map { $0[1] } == [2.5, 2.5])      // iterations 2 and 4 (values 4 and 1), then 6 and 8
    }
}
