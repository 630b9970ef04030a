import Events
import Structured
import Foundation
import TensorCore
import Datasets

/// One MNIST epoch of the reference MLP, batch 64, under the raw core loop, the Events
/// engine (supervised trainer) and the Structured trainer, interleaved so that machine noise hits both alike. Reports the
/// median epoch time of each and the engine's overhead as a ratio.
func runTrainingBenchmark(repetitions: Int = 5) {
    guard let mnist = try? MNIST.load(downloadIfMissing: false) else {
        print("\ntraining: skipped (no MNIST copy found; set MNIST_DIR)")
        return
    }
    print("\ntraining: one MNIST epoch of the mlp, batch 64, \(repetitions) interleaved runs each")
    func makeModel() -> Sequential {
        Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 128),
                   ReLU(), Linear(inFeatures: 128, outFeatures: 10))
    }
    let loader = DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: 0)
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    /// The same network and optimizer as a training module, logging its loss each step as a
    /// Lightning user would.
    final class Classifier: TrainingModule {
        let network: Sequential
        var isTraining = true
        var children: [(String, any Module)] { [("network", network)] }
        init(_ network: Sequential) { self.network = network }
        func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            try log("train_loss", loss.scalar)
            return loss
        }
        func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(Adam(for: self, learningRate: 1e-3)) }
    }
    var raw: [Double] = [], engine: [Double] = [], structured: [Double] = []
    for _ in 0..<repetitions {
        raw.append(withRandomScope(seed: 0) {
            let model = makeModel()
            let optimizer = Adam(for: model, learningRate: 1e-3)
            return seconds {
                for batch in loader.batches(epoch: 0) {
                    let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
                    optimizer.zeroGradients()
                    loss.backward()
                    optimizer.step()
                    _ = loss.scalar
                }
            }
        })
        engine.append(withRandomScope(seed: 0) {
            let model = makeModel()
            let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 1e-3))
            return seconds { _ = try? trainer.run(loader) }
        })
        structured.append(withRandomScope(seed: 0) {
            let module = Classifier(makeModel())
            let trainer = Trainer(maxEpochs: 1)
            trainer.loggers = []
            trainer.enableCheckpointing = false
            trainer.enableProgressBar = false
            trainer.enableModelSummary = false
            return seconds { _ = try? trainer.fit(module, train: loader) }
        })
    }
    let rawMedian = raw.sorted()[repetitions / 2], engineMedian = engine.sorted()[repetitions / 2]
    let structuredMedian = structured.sorted()[repetitions / 2]
    print("raw core loop   \(format(rawMedian, 3)) s  (runs: \(raw.map { format($0, 2) }.joined(separator: " ")))")
    print("events engine   \(format(engineMedian, 3)) s  (runs: \(engine.map { format($0, 2) }.joined(separator: " ")))")
    print("structured      \(format(structuredMedian, 3)) s  (runs: \(structured.map { format($0, 2) }.joined(separator: " ")))")
    print("engine / raw    \(format(engineMedian / rawMedian, 3))")
    print("structured / raw \(format(structuredMedian / rawMedian, 3))")
}
