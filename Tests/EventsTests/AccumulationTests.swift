import Foundation
import Testing
import Events
import TensorCore
import TestSupport

/// The reference loop's weights (see ``trainWithReferenceAccumulation``).
func referenceAccumulationWeights(accumulation k: Int, epochs: Int, loader: DataLoader<TensorDataset>) -> [[Float]] {
    withRandomScope(seed: 11) {
        let model = makeAccumulationModel()
        trainWithReferenceAccumulation(model, optimizer: SGD(for: model, learningRate: 0.1, momentum: 0.9), loader: loader,
                                       accumulation: k, epochs: epochs)
        return model.parameters.map(\.scalars)
    }
}

func makeAccumulationModel() -> Sequential {
    Sequential(Linear(inFeatures: 4, outFeatures: 8), ReLU(), Linear(inFeatures: 8, outFeatures: 3))
}

@Suite struct AccumulationTests {
    /// 20 examples in batches of 4: 5 batches per epoch, so a window of 2 ends each epoch half full.
    let loader = DataLoader(syntheticData(count: 20), batchSize: 4, shuffle: true, seed: 3)

    @Test func accumulationWindowsEndWithTheEpoch() throws {
        let reference = referenceAccumulationWeights(accumulation: 2, epochs: 3, loader: loader)
        let weights = try withRandomScope(seed: 11) {
            let model = makeAccumulationModel()
            let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.1, momentum: 0.9),
                                            options: SupervisedOptions(gradientAccumulationSteps: 2))
            try trainer.run(loader, maxEpochs: 3)
            return model.parameters.map(\.scalars)
        }
        #expect(weights == reference, "Events' accumulation differs from the reference loop")
    }

    /// A checkpoint after every iteration, window-internal ones included; resuming from each
    /// one ends with the uninterrupted run's weights, bit for bit, for windows of 1, 2 and 3.
    @Test(arguments: [1, 2, 3]) func resumingFromAnyIterationIsExact(accumulation: Int) throws {
        func makeRun() -> (Sequential, SGD, Engine<LabeledBatch, Float>) {
            let model = makeAccumulationModel()
            let optimizer = SGD(for: model, learningRate: 0.1, momentum: 0.9)
            let trainer = supervisedTrainer(model: model, optimizer: optimizer,
                                            options: SupervisedOptions(gradientAccumulationSteps: accumulation))
            return (model, optimizer, trainer)
        }
        let folder = try makeTemporaryFolder("resume\(accumulation)")
        let uninterrupted = try withRandomScope(seed: 11) {
            let (model, optimizer, trainer) = makeRun()
            let checkpoints = ModelCheckpoint(directory: folder, prefix: "it", keep: 100)
            checkpoints.attach(to: trainer, at: .iterationCompleted, model: model, optimizer: optimizer)
            try trainer.run(loader, maxEpochs: 2)
            #expect(checkpoints.saved.count == 10)
            return model.parameters.map(\.scalars)
        }
        #expect(uninterrupted == referenceAccumulationWeights(accumulation: accumulation, epochs: 2, loader: loader))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".ckpt") }.sorted()
        #expect(files.count == 10)
        for file in files {
            let resumed = try withRandomScope(seed: 99) {
                let (model, optimizer, trainer) = makeRun()
                let checkpoint = try TrainingCheckpoint(contentsOf: "\(folder)/\(file)")
                try checkpoint.restore(model: model, optimizer: optimizer)
                try trainer.restore(from: checkpoint.extra)
                try trainer.run(loader, maxEpochs: 2)
                return model.parameters.map(\.scalars)
            }
            #expect(resumed == uninterrupted, "resuming from \(file) with accumulation \(accumulation)")
        }
    }
}
