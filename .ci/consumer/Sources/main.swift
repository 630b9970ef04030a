// Both frontends on a synthetic problem, one process: what a Lightning-style user builds.
import Events
import Structured
import TensorCore

final class Classifier: TrainingModule {
    let network = Sequential(Linear(inFeatures: 4, outFeatures: 8), ReLU(), Linear(inFeatures: 8, outFeatures: 2))
    var isTraining = true
    var children: [(String, any Module)] { [("network", network)] }
    func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(logits: self(batch.inputs), labels: batch.labels)
    }
    func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
}

let inputs = Tensor(randomNormal: [32, 4], seed: 1)
let data = TensorDataset(inputs: inputs, labels: Tensor((0..<32).map { Float($0 % 2) }))
let trainer = Trainer(maxEpochs: 2)
(trainer.loggers, trainer.enableCheckpointing, trainer.enableProgressBar, trainer.enableModelSummary) = ([], false, false, false)
try trainer.fit(Classifier(), train: DataLoader(data, batchSize: 8))
let model = Sequential(Linear(inFeatures: 4, outFeatures: 2))
try supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.1)).run(DataLoader(data, batchSize: 8), maxEpochs: 2)
print("consumer: trained with Structured (\(trainer.globalStep) steps) and Events, without OpenMPI")
