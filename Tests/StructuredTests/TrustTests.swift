import Foundation
import Testing
import Events
import Metrics
import Structured
import TensorCore
import TestSupport

/// A module around a small network with SGD and momentum, so that an extra or a missing step
/// changes the weights.
final class MomentumModule: TrainingModule {
    let network = Sequential(Linear(inFeatures: 4, outFeatures: 8), ReLU(), Linear(inFeatures: 8, outFeatures: 3))
    var isTraining = true
    var children: [(String, any Module)] { [("network", network)] }
    func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        crossEntropy(logits: self(batch.inputs), labels: batch.labels)
    }
    func configureOptimizers() -> OptimizerConfiguration? {
        OptimizerConfiguration(SGD(for: self, learningRate: 0.1, momentum: 0.9))
    }
}

/// The reference loop's weights (see ``trainWithReferenceAccumulation``).
func referenceWeights(accumulation k: Int, epochs: Int, loader: DataLoader<TensorDataset>) -> [Float] {
    withRandomScope(seed: 11) {
        let module = MomentumModule()
        trainWithReferenceAccumulation(module, optimizer: SGD(for: module, learningRate: 0.1, momentum: 0.9), loader: loader,
                                       accumulation: k, epochs: epochs)
        return module.parameters.flatMap(\.scalars)
    }
}

@Suite struct TrustTests {
    /// 5 batches per epoch: a window of 2 or 3 ends each epoch partly full.
    let loader = DataLoader(syntheticData(count: 20), batchSize: 4, shuffle: true, seed: 3)

    /// Lightning resets logged metric objects after the sanity check: epoch 0's validation
    /// accuracy covers the validation data once, with the trained model, and nothing else.
    @Test func sanityCheckBatchesDoNotReachEpochMetrics() throws { try withRandomScope(seed: 21) {
        let module = Classifier()
        let trainer = quietTrainer(maxEpochs: 1)
        #expect(trainer.sanityValidationSteps == 2)
        let data = syntheticData(count: 40)
        let metrics = try trainer.fit(module, train: DataLoader(data, batchSize: 8), validation: DataLoader(data, batchSize: 8))
        module.eval()
        let expected = try accuracy(predictions: withoutGradient { module(data.inputs) }, targets: data.labels, task: .multiclass(classes: 3))
        assertClose(metrics["val_accuracy"]!, expected.scalar)
    } }

    @Test func accumulationWindowsEndWithTheEpoch() throws {
        let weights = try withRandomScope(seed: 11) {
            let module = MomentumModule()
            let trainer = quietTrainer(maxEpochs: 3)
            trainer.gradientAccumulation = 2
            try trainer.fit(module, train: loader)
            #expect(trainer.globalStep == 9)
            return module.parameters.flatMap(\.scalars)
        }
        #expect(weights == referenceWeights(accumulation: 2, epochs: 3, loader: loader))
    }

    /// Checkpoints every optimizer step: one file per step, never rewritten inside a window, and
    /// a resume from any of them equals the uninterrupted run bit for bit.
    @Test(arguments: [1, 2, 3]) func resumingFromAnyStepCheckpointIsExact(accumulation: Int) throws {
        let folder = try makeTemporaryFolder("structured\(accumulation)")
        var writes: [String] = []
        final class WriteCounter: Callback {
            var onWrite: (Int) -> Void
            init(_ onWrite: @escaping (Int) -> Void) { self.onWrite = onWrite }
            func onSaveCheckpoint(trainer: Trainer, entries: inout [String: String]) { onWrite(trainer.globalStep) }
        }
        let uninterrupted = try withRandomScope(seed: 11) {
            let module = MomentumModule()
            let checkpoints = CheckpointCallback(directory: folder, filename: "{step}", saveTopK: -1, everySteps: 1)
            let trainer = quietTrainer(maxEpochs: 2, callbacks: [checkpoints, WriteCounter { writes.append("step=\($0)") }])
            trainer.gradientAccumulation = accumulation
            try trainer.fit(module, train: loader)
            return module.parameters.flatMap(\.scalars)
        }
        #expect(uninterrupted == referenceWeights(accumulation: accumulation, epochs: 2, loader: loader))
        let steps = 2 * ((5 + accumulation - 1) / accumulation)
        #expect(writes == (1...steps).map { "step=\($0)" }, "each step saved exactly once")
        for step in 1...steps {
            let resumed = try withRandomScope(seed: 99) {
                let module = MomentumModule()
                let trainer = quietTrainer(maxEpochs: 2)
                trainer.gradientAccumulation = accumulation
                try trainer.fit(module, train: loader, resumeFrom: .path("\(folder)/step=\(step).ckpt"))
                #expect(trainer.globalStep == steps)
                return module.parameters.flatMap(\.scalars)
            }
            #expect(resumed == uninterrupted, "resuming from step \(step) with accumulation \(accumulation)")
        }
    }

    /// `saveTopK` holds after a resume: the resumed run knows the files the first run kept.
    @Test func topKIsEnforcedAfterAResume() throws {
        let folder = try makeTemporaryFolder()
        let data = syntheticData(count: 32)
        func run(epochs: Int, resume: ResumePoint?) throws {
            try withRandomScope(seed: 8) {
                let checkpoints = CheckpointCallback(directory: folder, filename: "{epoch}", monitor: "val_loss", saveTopK: 2, saveLast: true)
                let trainer = quietTrainer(maxEpochs: epochs, callbacks: [checkpoints])
                try trainer.fit(Classifier(), train: DataLoader(data, batchSize: 8), validation: DataLoader(data, batchSize: 16),
                                resumeFrom: resume)
            }
        }
        try run(epochs: 3, resume: nil)
        try run(epochs: 6, resume: .best)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("epoch=") }
        #expect(files.count == 2, "kept \(files.sorted())")
    }

    /// Without a monitor, `saveTopK: 1` keeps the newest file across a resume too.
    @Test func newestFileBookkeepingSurvivesAResume() throws {
        let folder = try makeTemporaryFolder()
        let data = syntheticData(count: 32)
        for (epochs, resume) in [(2, ResumePoint?.none), (4, .last)] {
            try withRandomScope(seed: 8) {
                let checkpoints = CheckpointCallback(directory: folder, filename: "{epoch}", saveLast: true)
                try quietTrainer(maxEpochs: epochs, callbacks: [checkpoints]).fit(Classifier(), train: DataLoader(data, batchSize: 8), resumeFrom: resume)
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("epoch=") }
        #expect(files == ["epoch=3.ckpt"])
    }

    /// A batch of one in a BatchNorm layer depends on the data, not the code: it is thrown
    /// through the exception hooks, naming the layer, and the process lives on.
    @Test func dataDependentErrorsReachTheExceptionHooks() throws {
        final class Normalized: TrainingModule {
            let network = Sequential(Linear(inFeatures: 4, outFeatures: 6), BatchNorm1D(features: 6), Linear(inFeatures: 6, outFeatures: 3))
            var isTraining = true
            var exceptions: [String] = []
            var children: [(String, any Module)] { [("network", network)] }
            func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                crossEntropy(logits: self(batch.inputs), labels: batch.labels)
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
            func onException(_ error: Error) { exceptions.append("\(error)") }
        }
        let module = Normalized()
        let before = module.parameters.flatMap(\.scalars)
        // 9 examples in batches of 4: the third batch holds one example.
        #expect {
            try quietTrainer().fit(module, train: DataLoader(syntheticData(count: 9), batchSize: 4))
        } throws: { error in
            "\(error)".contains("BatchNorm1D") && "\(error)".contains("[1, 6]")
        }
        #expect(module.exceptions.count == 1 && module.exceptions[0].contains("BatchNorm1D"))
        #expect(module.parameters.flatMap(\.scalars) != before, "the first two batches trained")
    }

    /// A label outside the classes is the data's fault: a thrown error naming the loss.
    @Test func aLabelOutOfRangeIsThrown() throws {
        let inputs = Tensor(randomNormal: [4, 4], seed: 1)
        let bad = TensorDataset(inputs: inputs, labels: Tensor([0, 1, 7, 2]))
        #expect {
            try quietTrainer().fit(MomentumModule(), train: DataLoader(bad, batchSize: 4))
        } throws: { "\($0)".contains("crossEntropy") && "\($0)".contains("7") }
    }

    /// Logging a tensor that is not one number names the key.
    @Test func loggingANonScalarThrowsNamingTheKey() throws {
        final class Logs: TrainingModule {
            let layer = Linear(inFeatures: 4, outFeatures: 3)
            var isTraining = true
            var children: [(String, any Module)] { [("layer", layer)] }
            func callAsFunction(_ x: Tensor) -> Tensor { layer(x) }
            func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
                let logits = self(batch.inputs)
                try log("logits", logits)
                return crossEntropy(logits: logits, labels: batch.labels)
            }
            func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(SGD(for: self, learningRate: 0.1)) }
        }
        #expect {
            try quietTrainer().fit(Logs(), train: DataLoader(syntheticData(count: 8), batchSize: 4))
        } throws: { "\($0)".contains("\"logits\"") && "\($0)".contains("[4, 3]") }
    }
}

@Suite struct ResumeValidationTests {
    /// A global step beyond the run's iterations (Int.max in the reported crash) is refused.
    @Test func anImpossibleGlobalStepIsRefused() throws {
        let folder = try makeTemporaryFolder()
        let loader = DataLoader(syntheticData(count: 16), batchSize: 4)
        _ = try withRandomScope(seed: 1) {
            try quietTrainer(maxEpochs: 1, callbacks: [CheckpointCallback(directory: folder, filename: "end")]).fit(MomentumModule(), train: loader)
        }
        var file = try SafeTensorsFile(contentsOf: "\(folder)/end.ckpt")
        file.metadata["format"] = "swifttrain-checkpoint-1"
        file.metadata["extra.trainer"] = "{\"version\":1,\"value\":{\"globalStep\":\(Int.max)}}"
        try file.write(to: "\(folder)/evil.ckpt")
        #expect { try quietTrainer(maxEpochs: 2).fit(MomentumModule(), train: loader, resumeFrom: .path("\(folder)/evil.ckpt")) }
            throws: { "\($0)".contains("global step \(Int.max)") }
    }
}

@Suite struct CallbackStateTests {
    /// A callback's state written with another layout is a clear error on resume, not ignored.
    @Test func anotherLayoutOfCallbackStateIsRefused() throws {
        let folder = try makeTemporaryFolder()
        let data = DataLoader(syntheticData(count: 16), batchSize: 8)
        func trainer(_ epochs: Int) -> Trainer {
            quietTrainer(maxEpochs: epochs, callbacks: [CheckpointCallback(directory: folder, filename: "end"),
                                                        EarlyStoppingCallback(monitor: "val_loss", patience: 5)])
        }
        _ = try withRandomScope(seed: 2) { try trainer(1).fit(Classifier(), train: data, validation: data) }
        var file = try SafeTensorsFile(contentsOf: "\(folder)/end.ckpt")
        file.metadata["format"] = "swifttrain-checkpoint-1"
        file.metadata["extra.early_stopping.val_loss"] = file.metadata["extra.early_stopping.val_loss"]!
            .replacingOccurrences(of: "\"version\":1", with: "\"version\":9")
        try file.write(to: "\(folder)/old.ckpt")
        #expect(throws: CheckpointError.incompatibleComponent(name: "early_stopping.val_loss", found: 9, expected: 1)) {
            try trainer(2).fit(Classifier(), train: data, validation: data, resumeFrom: .path("\(folder)/old.ckpt"))
        }
    }
}

@Suite struct FileErrorTests {
    /// A checkpoint folder inside a file: one readable line naming the folder, not an NSError dump.
    @Test func aCheckpointFolderInsideAFileIsOneReadableLine() throws {
        let file = try makeTemporaryFolder() + "/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let trainer = quietTrainer(callbacks: [CheckpointCallback(directory: "\(file)/checkpoints")])
        #expect {
            try trainer.fit(MomentumModule(), train: DataLoader(syntheticData(count: 8), batchSize: 4))
        } throws: { error in
            let text = "\(error)"
            return text == "checkpoint \(file)/checkpoints: cannot create the checkpoint folder (Not a directory)"
        }
    }
}
