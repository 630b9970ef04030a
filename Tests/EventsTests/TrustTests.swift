import Foundation
import Testing
import Events
import TensorCore
import TestSupport

@Suite struct EventsTrustTests {
    /// `keep` holds after a resume: the handler's list of files travels in the checkpoint.
    @Test func keepIsEnforcedAfterAResume() throws {
        let folder = try makeTemporaryFolder()
        let loader = DataLoader(syntheticData(count: 16), batchSize: 8)
        func run(epochs: Int, resume: String?) throws -> ModelCheckpoint {
            try withRandomScope(seed: 4) {
                let model = makeClassifier()
                let optimizer = SGD(for: model, learningRate: 0.1)
                let trainer = supervisedTrainer(model: model, optimizer: optimizer)
                let checkpoints = ModelCheckpoint(directory: folder, prefix: "last", keep: 2)
                checkpoints.attach(to: trainer, at: .epochCompleted, model: model, optimizer: optimizer)
                if let resume {
                    let checkpoint = try TrainingCheckpoint(contentsOf: resume)
                    try checkpoint.restore(model: model, optimizer: optimizer)
                    try trainer.restore(from: checkpoint.extra)
                    try checkpoints.restore(from: checkpoint.extra)
                }
                try trainer.run(loader, maxEpochs: epochs)
                return checkpoints
            }
        }
        let first = try run(epochs: 3, resume: nil)
        _ = try run(epochs: 6, resume: first.lastCheckpoint!)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["last_epoch=5_step=10.ckpt", "last_epoch=6_step=12.ckpt"])
    }

    /// TerminateOnNaN says what was not finite and where, as Ignite's warning does.
    @Test func terminateOnNaNSaysWhichValueAndWhere() throws {
        let engine = Engine<Int, Float> { engine, _ in engine.state.iteration == 3 ? .nan : 1 }
        let handler = TerminateOnNaN()
        handler.attach(to: engine)
        try engine.run(Array(0..<10), maxEpochs: 1)
        #expect(engine.state.iteration == 3)
        #expect(handler.message == "TerminateOnNaN: the output nan at iteration 3 (epoch 1) is not finite; terminating the run")
    }
}

@Suite struct TimeLimitTests {
    /// The run ends after the iteration that used the budget up, not at its planned end.
    @Test func timeLimitTerminatesTheRun() throws {
        let engine = Engine<Int, Float> { _, _ in Thread.sleep(forTimeInterval: 0.02); return 0 }
        let limit = TimeLimit(seconds: 0.05)
        limit.attach(to: engine)
        try engine.run(Array(0..<1000), maxEpochs: 1)
        #expect(engine.state.iteration >= 3 && engine.state.iteration < 1000)
        #expect(limit.budget.elapsed >= 0.05)
    }
}

@Suite struct CheckpointComponentTests {
    /// A position written with another layout is refused by name, not misread.
    @Test func anotherLayoutVersionIsAClearError() throws {
        let engine = Engine<Int, Float> { _, _ in 0 }
        try engine.run([1, 2], maxEpochs: 1)
        var entries = engine.checkpointEntries
        #expect(try entries.component(EnginePosition.self) == EnginePosition(epochLength: 2, iteration: 2, maxEpochs: 1, isFinished: true))
        entries["engine"] = entries["engine"]!.replacingOccurrences(of: "\"version\":1", with: "\"version\":7")
        #expect(throws: CheckpointError.incompatibleComponent(name: "engine", found: 7, expected: 1)) {
            try Engine<Int, Float> { _, _ in 0 }.restore(from: entries)
        }
        entries["engine"] = "{}"
        #expect(throws: CheckpointError.malformedComponent(name: "engine", reason: "not a versioned component")) {
            try Engine<Int, Float> { _, _ in 0 }.restore(from: entries)
        }
    }
}

@Suite struct ReduceOnPlateauTests {
    /// PyTorch's rule: the rate drops once more than `patience` checks passed without improvement.
    @Test func reducesAfterPatienceAsPyTorch() throws {
        let model = Sequential(Linear(inFeatures: 2, outFeatures: 1))
        let optimizer = SGD(for: model, learningRate: 1)
        let plateau = ReduceOnPlateau(optimizer: optimizer, mode: .min, factor: 0.5, patience: 1, minimumDelta: 0)
        var scores: [Float] = [1, 1, 1, 0.5, 0.5, 0.5]
        let evaluator = Engine<Int, Float> { _, _ in 0 }
        plateau.attach(to: evaluator) { scores.removeFirst() }
        var rates: [Float] = []
        for _ in 0..<6 {
            try evaluator.run([0])
            rates.append(optimizer.learningRate)
        }
        #expect(rates == [1, 1, 0.5, 0.5, 0.5, 0.25])
        #expect(plateau.state.best == 0.5 && plateau.state.waitCount == 0)
    }
}

@Suite struct LearningRateLoggerTests {
    /// The rate is recorded under Lightning's key at the start of each epoch.
    @Test func recordsTheRateEachEpoch() throws {
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.1)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        LearningRateLogger(optimizer: optimizer, every: .epoch).attach(to: trainer)
        LearningRateScheduler(StepDecay(stepSize: 1, gamma: 0.5), optimizer: optimizer).attach(to: trainer, every: .epoch)
        var seen: [Float] = []
        trainer.on(.epochCompleted) { seen.append($0.state.metrics["lr-SGD"]!) }
        try trainer.run(DataLoader(syntheticData(count: 8), batchSize: 4), maxEpochs: 3)
        #expect(seen == [0.1, 0.05, 0.025])
    }
}
