import Events
import Foundation
import Structured
import TensorCore
import Testing
import TestSupport

/// A tiny GAN over 4-value "images": the Lightning 2 pattern of two optimizers under manual
/// optimization, each network stepped in turn with the other's parameters toggled off.
final class TinyGAN: TrainingModule {
    let generator = Sequential(Linear(inFeatures: 3, outFeatures: 8), LeakyReLU(negativeSlope: 0.2), Linear(inFeatures: 8, outFeatures: 4), Tanh())
    let discriminator = Sequential(Linear(inFeatures: 4, outFeatures: 5), LeakyReLU(negativeSlope: 0.2), Linear(inFeatures: 5, outFeatures: 1))
    var isTraining = true
    var automaticOptimization: Bool { false }
    var children: [(String, any Module)] { [("generator", generator), ("discriminator", discriminator)] }
    var schedules: [SchedulerConfiguration?] = []
    /// Whether the discriminator's weights took part in the generator's backward pass.
    var discriminatorFrozenDuringGeneratorStep: [Bool] = []
    func callAsFunction(_ noise: Tensor) -> Tensor { generator(noise) }

    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        let (generatorOptimizer, discriminatorOptimizer) = (optimizers[0], optimizers[1])
        let real = batch.inputs * 0.5, count = real.shape[0]
        let fake = generator(Tensor(randomNormal: [count, 3]))
        toggleOptimizer(discriminatorOptimizer)
        let discriminatorLoss = binaryCrossEntropy(logits: discriminator(real), labels: Tensor(ones: [count, 1]))
            + binaryCrossEntropy(logits: discriminator(fake.detached()), labels: Tensor(zeros: [count, 1]))
        discriminatorOptimizer.zeroGradients()
        try manualBackward(discriminatorLoss)
        discriminatorOptimizer.step()
        untoggleOptimizer(discriminatorOptimizer)
        toggleOptimizer(generatorOptimizer)
        discriminatorFrozenDuringGeneratorStep.append(discriminator.parameters.allSatisfy { !$0.requiresGradient })
        let generatorLoss = binaryCrossEntropy(logits: discriminator(fake), labels: Tensor(ones: [count, 1]))
        generatorOptimizer.zeroGradients()
        try manualBackward(generatorLoss)
        generatorOptimizer.step()
        untoggleOptimizer(generatorOptimizer)
        try log("g_loss", generatorLoss.scalar)
        return nil
    }

    func configureOptimizers() -> OptimizerConfiguration? {
        OptimizerConfiguration([Adam(for: generator, learningRate: 0.01, beta1: 0.5), Adam(for: discriminator, learningRate: 0.01, beta1: 0.5)],
                               schedulers: schedules)
    }
}

@Suite struct SeveralOptimizersTests {
    /// The same GAN written as a raw loop over the core, for the bit-for-bit comparison.
    func coreLoopWeights(epochs: Int, loader: DataLoader<TensorDataset>) -> [Float] {
        let gan = TinyGAN()
        let generatorOptimizer = Adam(for: gan.generator, learningRate: 0.01, beta1: 0.5)
        let discriminatorOptimizer = Adam(for: gan.discriminator, learningRate: 0.01, beta1: 0.5)
        for epoch in 0..<epochs {
            for batch in loader.batches(epoch: epoch) {
                let real = batch.inputs * 0.5, count = real.shape[0]
                let fake = gan.generator(Tensor(randomNormal: [count, 3]))
                let discriminatorLoss = binaryCrossEntropy(logits: gan.discriminator(real), labels: Tensor(ones: [count, 1]))
                    + binaryCrossEntropy(logits: gan.discriminator(fake.detached()), labels: Tensor(zeros: [count, 1]))
                discriminatorOptimizer.zeroGradients()
                discriminatorLoss.backward()
                discriminatorOptimizer.step()
                let generatorLoss = binaryCrossEntropy(logits: gan.discriminator(fake), labels: Tensor(ones: [count, 1]))
                generatorOptimizer.zeroGradients()
                generatorLoss.backward()
                generatorOptimizer.step()
            }
        }
        return gan.parameters.flatMap(\.scalars)
    }

    var loader: DataLoader<TensorDataset> { DataLoader(syntheticData(count: 40), batchSize: 8, shuffle: true, seed: 3) }

    @Test func twoOptimizersUnderManualOptimizationEqualTheCoreLoop() throws {
        let expected = withRandomScope(seed: 5) { coreLoopWeights(epochs: 2, loader: loader) }
        let gan = try withRandomScope(seed: 5) {
            let gan = TinyGAN()
            let trainer = quietTrainer(maxEpochs: 2)
            try trainer.fit(gan, train: loader)
            #expect(trainer.optimizers.count == 2)
            #expect(trainer.optimizer is CombinedOptimizer)
            #expect(trainer.globalStep == 10, "one step per batch, however many optimizers it updates")
            return gan
        }
        #expect(gan.parameters.flatMap(\.scalars) == expected)
        #expect(gan.discriminatorFrozenDuringGeneratorStep == Array(repeating: true, count: 10))
        #expect(gan.discriminator.parameters.allSatisfy { $0.requiresGradient }, "untoggling gives the parameters back")
        #expect(gan.optimizers.isEmpty, "optimizers are bound during fit only")
    }

    @Test func severalOptimizersRequireManualOptimization() throws {
        final class Automatic: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3), other = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            var children: [(String, any Module)] { [("layer", layer), ("other", other)] }
            func callAsFunction(_ x: Tensor) -> Tensor { layer(x) + other(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            }
            func configureOptimizers() -> OptimizerConfiguration? {
                OptimizerConfiguration([SGD(for: layer, learningRate: 0.1), SGD(for: other, learningRate: 0.1)])
            }
        }
        #expect(throws: TrainerError.invalidSetting("configureOptimizers() returned 2 optimizers; several optimizers need manual "
            + "optimization (automaticOptimization false), as in Lightning 2")) {
            try quietTrainer().fit(Automatic(), train: DataLoader(syntheticData(count: 8), batchSize: 4))
        }
    }

    @Test func eachOptimizerFollowsItsOwnSchedule() throws {
        let gan = TinyGAN()
        gan.schedules = [SchedulerConfiguration(StepDecay(stepSize: 2, gamma: 0.5), interval: .step),
                         SchedulerConfiguration(StepDecay(stepSize: 1, gamma: 0.1), interval: .epoch)]
        let trainer = quietTrainer(maxEpochs: 2, callbacks: [LearningRateMonitor()])
        try trainer.fit(gan, train: loader)
        // The monitor names them as Lightning does and follows each schedule's interval.
        #expect(trainer.callbackMetrics["lr-Adam"] == trainer.optimizers[0].learningRate * 2, "read before the last step's halving")
        #expect(trainer.callbackMetrics["lr-Adam-1"] == Float(0.01) * 0.1, "read at the second epoch's start")
        // 10 steps: the generator's schedule steps with each and halves its rate every 2 (5
        // times); the discriminator's drops tenfold at each of the 2 epoch ends.
        #expect(isClose(trainer.optimizers[0].learningRate, 0.01 / 32, relative: 1e-6, absolute: 0))
        #expect(isClose(trainer.optimizers[1].learningRate, 0.01 * 0.1 * 0.1, relative: 1e-6, absolute: 0))
        #expect(trainer.schedulers.compactMap { $0?.stepCount } == [10, 2])
    }

    /// A checkpoint holds both optimizers' states and both schedules' positions: a resume from
    /// any step equals the uninterrupted run bit for bit.
    @Test func aTwoOptimizerRunResumesExactly() throws {
        let folder = try makeTemporaryFolder()
        let schedules = [SchedulerConfiguration(StepDecay(stepSize: 3, gamma: 0.5), interval: .step), nil]
        let uninterrupted = try withRandomScope(seed: 21) {
            let gan = TinyGAN()
            gan.schedules = schedules
            let checkpoints = CheckpointCallback(directory: folder, filename: "{step}", saveTopK: -1, everySteps: 1)
            try quietTrainer(maxEpochs: 2, callbacks: [checkpoints]).fit(gan, train: loader)
            return gan.parameters.flatMap(\.scalars)
        }
        for step in [3, 5, 7] {
            let resumed = try withRandomScope(seed: 77) {
                let gan = TinyGAN()
                gan.schedules = schedules
                let trainer = quietTrainer(maxEpochs: 2)
                try trainer.fit(gan, train: loader, resumeFrom: .path("\(folder)/step=\(step).ckpt"))
                #expect(trainer.schedulers[0]?.stepCount == 10)
                return gan.parameters.flatMap(\.scalars)
            }
            #expect(resumed == uninterrupted, "resuming from step \(step)")
        }
    }
}

@Suite struct CombinedOptimizerTests {
    @Test func statesRoundTripAndABadStateChangesNothing() throws {
        let first = Linear(inFeatures: 3, outFeatures: 2), second = Linear(inFeatures: 2, outFeatures: 1)
        let combined = CombinedOptimizer([Adam(for: first, learningRate: 0.1), SGD(for: second, learningRate: 0.2, momentum: 0.9)])
        #expect(combined.parameters.count == 4)
        for parameter in combined.parameters { parameter.gradient = Tensor(ones: parameter.shape) }
        combined.step()
        let saved = combined.state
        #expect(saved.numbers["0.learning_rate"] == Double(Float(0.1)) && saved.numbers["1.learning_rate"] == Double(Float(0.2)))
        let copy = CombinedOptimizer([Adam(for: first, learningRate: 0.5), SGD(for: second, learningRate: 0.5, momentum: 0.9)])
        try copy.load(saved)
        #expect(copy.members[0].learningRate == 0.1 && copy.members[1].learningRate == 0.2)
        #expect(copy.state.tensors.mapValues(\.scalars) == saved.tensors.mapValues(\.scalars))

        var broken = saved
        broken.numbers["1.learning_rate"] = nil
        let untouched = CombinedOptimizer([Adam(for: first, learningRate: 0.3), SGD(for: second, learningRate: 0.4, momentum: 0.9)])
        #expect(throws: CheckpointError.self) { try untouched.load(broken) }
        #expect(untouched.members[0].learningRate == 0.3, "the first member got its former state back")
    }
}
