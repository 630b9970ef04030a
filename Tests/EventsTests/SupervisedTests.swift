import Foundation
import Testing
import Events
import Metrics
import TensorCore
import TestSupport

/// A small synthetic classification problem: 3 classes of 4-dimensional points.
func syntheticData(count: Int = 96, seed: UInt64 = 1) -> TensorDataset {
    var generator = RandomGenerator(seed: seed)
    let labels = (0..<count).map { _ in Float(Int.random(in: 0..<3, using: &generator)) }
    let inputs = Tensor(randomNormal: [count, 4], generator: &generator) + Tensor(oneHotAtIndices: labels.map { Int($0) }, depth: 4) * 2
    return TensorDataset(inputs: inputs, labels: Tensor(labels))
}

func makeClassifier() -> Sequential {
    Sequential(Linear(inFeatures: 4, outFeatures: 16), ReLU(), Dropout(probability: 0.1), Linear(inFeatures: 16, outFeatures: 3))
}

@Suite struct SupervisedTests {
    @Test func trainerLearnsAndEvaluatorReportsMetrics() throws { try withRandomScope(seed: 1) {
        let data = syntheticData()
        let model = makeClassifier()
        let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.02))
        var losses: [Float] = []
        trainer.on(.iterationCompleted) { losses.append($0.state.output!) }
        try trainer.run(DataLoader(data, batchSize: 16, shuffle: true, seed: 1), maxEpochs: 15)
        let early: Float = losses.prefix(6).reduce(0, +), late: Float = losses.suffix(6).reduce(0, +)
        #expect(late < early / 2)

        let evaluator = supervisedEvaluator(model: model, metrics: [
            "accuracy": Accuracy(task: .multiclass(classes: 3)),
            "loss": Loss { crossEntropy(logits: $0, labels: $1) },
        ])
        try evaluator.run(DataLoader(data, batchSize: 40))
        model.eval()
        let logits = withoutGradient { model(data.inputs) }
        model.train()
        assertClose(evaluator.state.metrics["accuracy"]!, try accuracy(predictions: logits, targets: data.labels, task: .multiclass(classes: 3)).scalar)
        assertClose(evaluator.state.metrics["loss"]!, crossEntropy(logits: logits, labels: data.labels).scalar, relative: 1e-5)
        #expect(model.isTraining, "the evaluator restores training mode")
    } }

    /// Two accumulated batches of 4 equal one batch of 8 on the same examples.
    @Test func gradientAccumulationEqualsALargerBatch() throws {
        func train(batchSize: Int, accumulation: Int) throws -> [[Float]] {
            try withRandomScope(seed: 3) {
                let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
                let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.1),
                                                options: SupervisedOptions(gradientAccumulationSteps: accumulation))
                try trainer.run(DataLoader(syntheticData(count: 32), batchSize: batchSize), maxEpochs: 2)
                return model.parameters.map(\.scalars)
            }
        }
        let accumulated = try train(batchSize: 4, accumulation: 2), large = try train(batchSize: 8, accumulation: 1)
        for (a, b) in zip(accumulated.joined(), large.joined()) { assertClose(a, b, relative: 1e-5, absolute: 1e-6) }
    }

    @Test func clippingBoundsTheUpdate() throws { try withRandomScope(seed: 4) {
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let before = model.parameters.map(\.scalars)
        let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 1),
                                        loss: { 1000 * crossEntropy(logits: $0, labels: $1) },
                                        options: SupervisedOptions(gradientClipping: .norm(0.5)))
        try trainer.run([syntheticData(count: 8).batch(at: Array(0..<8))])
        // With learning rate 1 the step is the clipped gradient: its global norm is 0.5.
        let change = zip(model.parameters.map(\.scalars), before).flatMap { zip($0, $1).map { $0 - $1 } }
        assertClose(change.reduce(0) { $0 + $1 * $1 }.squareRoot(), 0.5, relative: 1e-4)
    } }

    @Test func resumingMidEpochMatchesAnUninterruptedRun() throws {
        let data = syntheticData()
        let loader = DataLoader(data, batchSize: 16, shuffle: true, seed: 9)   // 6 batches per epoch
        func makeRun() -> (Sequential, Adam, LearningRateScheduler, Engine<LabeledBatch, Float>) {
            let model = makeClassifier()
            let optimizer = Adam(for: model, learningRate: 0.01)
            let scheduler = LearningRateScheduler(StepDecay(stepSize: 4, gamma: 0.7), optimizer: optimizer)
            let trainer = supervisedTrainer(model: model, optimizer: optimizer)
            scheduler.attach(to: trainer, every: .iteration)
            return (model, optimizer, scheduler, trainer)
        }
        let uninterrupted = try withRandomScope(seed: 5) {
            let (model, _, _, trainer) = makeRun()
            try trainer.run(loader, maxEpochs: 3)
            return model.parameters.map(\.scalars)
        }
        let folder = try makeTemporaryFolder()
        try withRandomScope(seed: 5) {
            let (model, optimizer, scheduler, trainer) = makeRun()
            let checkpoints = ModelCheckpoint(directory: folder, prefix: "last", keep: 1)
            checkpoints.attach(to: trainer, at: .iterationCompleted(every: 1), model: model, optimizer: optimizer, scheduler: scheduler)
            trainer.on(.iterationCompleted(once: [10])) { $0.terminate() }   // mid second epoch
            try trainer.run(loader, maxEpochs: 3)
            #expect(checkpoints.lastCheckpoint == "\(folder)/last_epoch=2_step=10.ckpt")
        }
        let resumed = try withRandomScope(seed: 77) {
            let (model, optimizer, scheduler, trainer) = makeRun()
            let checkpoint = try TrainingCheckpoint(contentsOf: "\(folder)/last_epoch=2_step=10.ckpt")
            try checkpoint.restore(model: model, optimizer: optimizer, scheduler: scheduler)
            try trainer.restore(from: checkpoint.extra)
            try trainer.run(loader, maxEpochs: 3)
            #expect(trainer.state.iteration == 18)
            return model.parameters.map(\.scalars)
        }
        let identical = resumed == uninterrupted
        #expect(identical, "the resumed run's weights differ from the uninterrupted run's")
    }

    @Test func aCheckpointFromAnotherModelIsRefused() throws {
        let folder = try makeTemporaryFolder()
        let model = makeClassifier()
        let optimizer = Adam(for: model)
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 1, step: 6).save(to: folder + "/x.ckpt")
        let other = Sequential(Linear(inFeatures: 4, outFeatures: 2))
        #expect(throws: CheckpointError.self) {
            try TrainingCheckpoint(contentsOf: folder + "/x.ckpt").restore(model: other, optimizer: Adam(for: other))
        }
    }
}
