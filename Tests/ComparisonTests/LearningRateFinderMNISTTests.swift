import Events
import Foundation
import MNISTModels
import Testing
import TensorCore
import TestSupport
import Datasets

/// Lightning's finder is known for suggestions that jump between seeds. On the real MNIST mlp
/// (Adam, batch 64), three seeds must agree within a factor of 3.
@Suite(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"), .serialized)
struct LearningRateFinderMNISTTests {
    @Test func suggestionsOnTheMNISTMLPAgreeAcrossSeeds() throws {
        let mnist = try MNIST.load()
        var suggestions: [Float] = []
        for seed: UInt64 in [0, 1, 2] {
            let suggestion = try withRandomScope(seed: seed) { () -> Float? in
                seedEverything(seed)
                let model = ReferenceModel.mlp.makeNetwork()
                let optimizer = ReferenceModel.mlp.makeOptimizer(for: model)
                let loader = DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: seed)
                return try LearningRateFinder().run(model: model, optimizer: optimizer, data: loader) { batch in
                    (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
                }.suggestion
            }
            suggestions.append(try #require(suggestion))
        }
        let spread = suggestions.max()! / suggestions.min()!
        #expect(spread <= 3, "suggestions \(suggestions) differ by \(spread)x")
        #expect(suggestions.allSatisfy { $0 > 1e-5 && $0 < 0.5 }, "suggestions \(suggestions)")
        print("learning-rate finder on the MNIST mlp, seeds 0-2: \(suggestions.map { String(format: "%.2e", $0) }.joined(separator: ", ")), spread \(String(format: "%.2f", spread))x")
    }
}
