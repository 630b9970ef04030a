import Foundation
import Testing
import Events
import TensorCore

/// The learning-rate range test: an exponential sweep, a smoothed loss, a suggestion at the
/// steepest descent, and the model and optimizer restored bit for bit.
@Suite struct LearningRateFinderTests {
    @Test func theSweepRestoresEverythingAndSuggestsARateInsideIt() throws {
        try withRandomScope(seed: 3) {
            let model = Sequential(Linear(inFeatures: 4, outFeatures: 16), ReLU(), Linear(inFeatures: 16, outFeatures: 3))
            let optimizer = Adam(for: model, learningRate: 1e-3)
            let loader = DataLoader(syntheticData(count: 256), batchSize: 16, shuffle: true, seed: 1)
            try supervisedTrainer(model: model, optimizer: optimizer).run(loader, epochLength: 3)   // Adam has moments now
            let before = TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 0, step: 0)
            let generatorBefore = RandomGenerator.global
            let gradientsBefore = model.parameters.map { $0.gradient?.scalars }
            let finder = LearningRateFinder(minimumRate: 1e-5, maximumRate: 10, steps: 60)
            let result = try finder.run(model: model, optimizer: optimizer, data: loader) { batch in
                (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
            }
            let after = TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 0, step: 0)
            #expect(zip(before.modelState, after.modelState).allSatisfy { $0.tensor.scalars == $1.tensor.scalars })
            #expect(before.optimizerState.numbers == after.optimizerState.numbers)
            #expect(before.optimizerState.tensors.keys.allSatisfy { before.optimizerState.tensors[$0]!.scalars == after.optimizerState.tensors[$0]!.scalars })
            #expect(optimizer.learningRate == 1e-3 && model.parameters.map { $0.gradient?.scalars } == gradientsBefore)
            #expect(RandomGenerator.global == generatorBefore)
            // The sweep: rates grow geometrically; it stops early once the loss diverges.
            #expect(result.rates.first == 1e-5 && result.rates.count <= 60 && result.rates.count > 20)
            #expect(zip(result.rates, result.rates.dropFirst()).allSatisfy { $0 < $1 })
            let suggestion = try #require(result.suggestion)
            #expect(suggestion > 1e-4 && suggestion < 10)
            #expect(result.svg().contains("<polyline") && result.svg().contains("suggested"))
        }
    }

    @Test func aStepThatThrowsStillRestoresTheModel() throws {
        let model = Sequential(Linear(inFeatures: 4, outFeatures: 3))
        let optimizer = SGD(for: model, learningRate: 0.1)
        let weights = model.parameters.map(\.scalars)
        struct Boom: Error {}
        var calls = 0
        #expect(throws: Boom.self) {
            try LearningRateFinder(steps: 10).run(model: model, optimizer: optimizer, data: DataLoader(syntheticData(count: 32), batchSize: 8)) { batch in
                calls += 1
                if calls == 4 { throw Boom() }
                return (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
            }
        }
        #expect(model.parameters.map(\.scalars) == weights && optimizer.learningRate == 0.1)
    }
}
