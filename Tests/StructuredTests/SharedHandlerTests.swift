import Foundation
import Testing
import Events
import Metrics
import Structured
import TensorCore
import TestSupport

/// The handler family is written once: early stopping and checkpoint retention give the same
/// decisions under Events' handlers and Structured's callbacks for the same sequence of scores.
@Suite struct SharedHandlerTests {
    /// One validation score per epoch, as both frontends see it.
    static let scores: [Float] = [0.50, 0.62, 0.61, 0.70, 0.69, 0.68, 0.71, 0.66, 0.65, 0.64]

    /// A module whose validation logs the next score of ``scores``.
    final class Scripted: TrainingModule {
        let layer = Linear(inFeatures: 4, outFeatures: 3)
        var isTraining = true
        var epoch = 0
        var children: [(String, any Module)] { [("layer", layer)] }
        func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        }
        func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws { try log("score", SharedHandlerTests.scores[epoch]) }
        func onValidationEpochEnd() { epoch += 1 }
        func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.01)) }
    }

    /// Structured: the epochs run and the scores of the kept files.
    func structured(patience: Int) throws -> (epochs: Int, kept: [Float]) {
        let folder = try makeTemporaryFolder("structured")
        let checkpoints = CheckpointCallback(directory: folder, filename: "{epoch}", monitor: "score", mode: .max, saveTopK: 3)
        let trainer = quietTrainer(maxEpochs: Self.scores.count,
                                   callbacks: [checkpoints, EarlyStoppingCallback(monitor: "score", patience: patience, mode: .max)])
        trainer.sanityValidationSteps = 0
        let data = DataLoader(syntheticData(count: 8), batchSize: 8)
        try trainer.fit(Scripted(), train: data, validation: data)
        return (trainer.currentEpoch + 1, checkpoints.bestKModels.values.sorted())
    }

    /// Events: the same scores from an evaluator, with `ModelCheckpoint` and `EarlyStopping`.
    func events(patience: Int) throws -> (epochs: Int, kept: [Float]) {
        let folder = try makeTemporaryFolder("events")
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.01)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        var evaluated = 0
        let evaluator = Engine<Int, Float> { _, _ in Self.scores[evaluated] }
        evaluator.on(.completed) { $0.state.metrics["score"] = Self.scores[evaluated]; evaluated += 1 }
        trainer.on(.epochCompleted) { _ in try evaluator.run([0]) }
        let checkpoints = ModelCheckpoint(directory: folder, prefix: "best", keep: 3, scoreName: "score", mode: .max) {
            evaluator.state.metrics["score"]!
        }
        checkpoints.attach(to: evaluator, at: .completed, model: model, optimizer: optimizer, trainer: trainer)
        EarlyStopping(patience: patience, trainer: trainer) { evaluator.state.metrics["score"]! }.attach(to: evaluator, mode: .max)
        try trainer.run(DataLoader(syntheticData(count: 8), batchSize: 8), maxEpochs: Self.scores.count)
        return (trainer.state.epoch, checkpoints.saved.compactMap(\.score).sorted())
    }

    @Test(arguments: [2, 3]) func sameDecisionsInBothFrontends(patience: Int) throws {
        let (structuredEpochs, structuredKept) = try withRandomScope(seed: 1) { try structured(patience: patience) }
        let (eventsEpochs, eventsKept) = try withRandomScope(seed: 1) { try events(patience: patience) }
        #expect(structuredEpochs == eventsEpochs)
        #expect(structuredKept == eventsKept)
        // Patience 2 stops after 0.69 and 0.68 fail to beat 0.70; patience 3 sees 0.71 and runs until three misses follow it.
        #expect(structuredEpochs == (patience == 2 ? 6 : 10))
        #expect(structuredKept == (patience == 2 ? [0.68, 0.69, 0.70] : [0.69, 0.70, 0.71]))
    }
}
