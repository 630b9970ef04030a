import Events
import Structured
import Foundation
import TensorCore
import Datasets

/// One MNIST epoch of the reference MLP (or the seed model's single layer), batch 64, under the
/// raw core loop, the Events engine (supervised trainer) and the Structured trainer, interleaved
/// so that machine noise hits all three alike. Reports the median epoch time of each and the
/// frontends' overhead as ratios.
func runTrainingBenchmark(seedModel: Bool = false, repetitions: Int = 5) {
    guard let mnist = try? MNIST.load(downloadIfMissing: false) else {
        print("\ntraining: skipped (no MNIST copy found; set MNIST_DIR)")
        return
    }
    print("\ntraining: one MNIST epoch of the \(seedModel ? "seed model" : "mlp"), batch 64, \(repetitions) interleaved runs each")
    func makeModel() -> Sequential {
        seedModel ? Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 10), ReLU())
            : Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 128),
                         ReLU(), Linear(inFeatures: 128, outFeatures: 10))
    }
    let learningRate: Float = seedModel ? 0.02 : 1e-3
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
        let rate: Float
        init(_ network: Sequential, learningRate: Float) { (self.network, rate) = (network, learningRate) }
        func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            try log("train_loss", loss.scalar)
            return loss
        }
        func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(Adam(for: self, learningRate: rate)) }
    }
    var raw: [Double] = [], engine: [Double] = [], structured: [Double] = []
    for _ in 0..<repetitions {
        raw.append(withRandomScope(seed: 0) {
            let model = makeModel()
            let optimizer = Adam(for: model, learningRate: learningRate)
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
            let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: learningRate))
            return seconds { _ = try? trainer.run(loader) }
        })
        structured.append(withRandomScope(seed: 0) {
            let module = Classifier(makeModel(), learningRate: learningRate)
            let trainer = Trainer(maxEpochs: 1)
            trainer.loggers = []
            trainer.enableCheckpointing = false
            trainer.enableProgressBar = false
            trainer.enableModelSummary = false
            return seconds { _ = try? trainer.fit(module, train: loader) }
        })
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    // Each round runs the three back to back, so a round's ratios share its machine state; their
    // median resists both drift between rounds and the odd disturbed run.
    let engineRatios = zip(engine, raw).map { $0 / $1 }, structuredRatios = zip(structured, raw).map { $0 / $1 }
    print("raw core loop   \(format(median(raw), 3)) s  (runs: \(raw.map { format($0, 2) }.joined(separator: " ")))")
    print("events engine   \(format(median(engine), 3)) s  (runs: \(engine.map { format($0, 2) }.joined(separator: " ")))")
    print("structured      \(format(median(structured), 3)) s  (runs: \(structured.map { format($0, 2) }.joined(separator: " ")))")
    print("engine / raw     \(format(median(engineRatios), 3)) median of rounds, \(format(engine.min()! / raw.min()!, 3)) fastest runs")
    print("structured / raw \(format(median(structuredRatios), 3)) median of rounds, \(format(structured.min()! / raw.min()!, 3)) fastest runs")
}
