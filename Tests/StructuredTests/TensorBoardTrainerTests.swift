import Foundation
import Testing
import Events
import Structured
import TensorCore
import TestSupport

/// The Structured Trainer writing to TensorBoard: the logged values, weight histograms, and the
/// HParams table with the final metrics (Lightning's top complaint is that they do not show).
@Suite(.enabled(if: InteropVenv.path != nil, Comment(rawValue: InteropVenv.skipMessage)))
struct TensorBoardTrainerTests {
    final class Tuned: TrainingModule {
        let network = Sequential(Linear(inFeatures: 4, outFeatures: 8), ReLU(), Linear(inFeatures: 8, outFeatures: 3))
        var isTraining = true
        var children: [(String, any Module)] { [("network", network)] }
        var hyperparameters: [String: String] { ["learning_rate": "0.05", "hidden": "8", "optimizer": "SGD"] }
        func callAsFunction(_ input: Tensor) -> Tensor { network(input) }
        func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
            let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            try log("train_loss", loss.scalar, onStep: false, onEpoch: true)
            return loss
        }
        func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
            try log("val_loss", crossEntropy(logits: self(batch.inputs), labels: batch.labels).scalar)
        }
        func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.05)) }
    }

    @Test func theTrainerFillsTheHParamsTableAndHistograms() throws { try withRandomScope(seed: 3) {
        let root = try makeTemporaryFolder()
        let board = try TensorBoardLogger(root: root, name: "structured")
        let trainer = Trainer(maxEpochs: 2, callbacks: [ParameterHistogramCallback()])
        trainer.loggers = [board]
        trainer.enableProgressBar = false
        trainer.enableCheckpointing = false
        trainer.enableModelSummary = false
        let data = syntheticData()
        try trainer.fit(Tuned(), train: DataLoader(data, batchSize: 32), validation: DataLoader(data, batchSize: 48))
        let output = try InteropVenv.run("../EventsTests/Interop/read_tensorboard.py", [board.directory])
        let read = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let scalars = read["scalars"] as? [String: [[Double]]] ?? [:]
        #expect(scalars["val_loss"]?.count == 2 && scalars["train_loss"]?.count == 2)
        let histograms = read["histograms"] as? [String: Any] ?? [:]
        #expect(histograms["weights/network.0.weight"] != nil && histograms["gradients/network.2.bias"] != nil)
        let hparams = read["hparams"] as? [String: Any] ?? [:]
        let experiment = hparams["experiment"] as? [String: [String]]
        #expect(experiment?["hparams"] == ["hidden", "learning_rate", "optimizer"])
        #expect(experiment?["metrics"] == ["train_loss", "val_loss"])
        #expect(hparams["session_end_status"] as? Int == 1)
    }}
}
