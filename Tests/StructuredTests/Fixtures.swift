import Events
import Metrics
import Structured
import TensorCore

/// 3 classes of 4-dimensional points.
func syntheticData(count: Int = 96, seed: UInt64 = 1) -> TensorDataset {
    var generator = RandomGenerator(seed: seed)
    let labels = (0..<count).map { _ in Float(Int.random(in: 0..<3, using: &generator)) }
    let inputs = Tensor(randomNormal: [count, 4], generator: &generator) + Tensor(oneHotAtIndices: labels.map { Int($0) }, depth: 4) * 2
    return TensorDataset(inputs: inputs, labels: Tensor(labels))
}

/// A small classifier module that logs like a typical Lightning module and records its hooks.
final class Classifier: TrainingModule {
    let network: Sequential
    let accuracy = Accuracy(task: .multiclass(classes: 3))
    var isTraining = true
    var record: [String]? = nil
    var learningRate: Float = 0.05
    var schedule: SchedulerConfiguration?
    var failAtStep: Int?

    init(dropout: Float = 0) {
        network = Sequential(Linear(inFeatures: 4, outFeatures: 16), ReLU(), Dropout(probability: dropout), Linear(inFeatures: 16, outFeatures: 3))
    }

    var children: [(String, any Module)] { [("network", network)] }
    func callAsFunction(_ input: Tensor) -> Tensor { network(input) }

    func note(_ hook: String) { record?.append(hook) }

    func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
        note("training_step")
        if let failAtStep, batchIndex == failAtStep { throw StepFailure() }
        let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
        try log("train_loss", loss.scalar, progressBar: true)
        return loss
    }

    func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
        note("validation_step")
        let logits = self(batch.inputs)
        try accuracy.update(predictions: logits, targets: batch.labels)
        try log("val_loss", crossEntropy(logits: logits, labels: batch.labels).scalar)
        try log("val_accuracy", accuracy)
    }

    func testStep(_ batch: LabeledBatch, batchIndex: Int) throws {
        note("test_step")
        try log("test_loss", crossEntropy(logits: self(batch.inputs), labels: batch.labels).scalar)
    }

    func configureOptimizers() -> OptimizerConfiguration? {
        note("configure_optimizers")
        return OptimizerConfiguration(SGD(for: self, learningRate: learningRate), scheduler: schedule)
    }

    func onFitStart() { note("on_fit_start") }
    func onFitEnd() { note("on_fit_end") }
    func onTrainStart() { note("on_train_start") }
    func onTrainEnd() { note("on_train_end") }
    func onTrainEpochStart() { note("on_train_epoch_start") }
    func onTrainEpochEnd() { note("on_train_epoch_end") }
    func onTrainBatchStart(_ batch: LabeledBatch, batchIndex: Int) { note("on_train_batch_start") }
    func onTrainBatchEnd(_ loss: Tensor?, batch: LabeledBatch, batchIndex: Int) { note("on_train_batch_end") }
    func onValidationStart() { note("on_validation_start") }
    func onValidationEnd() { note("on_validation_end") }
    func onValidationEpochStart() { note("on_validation_epoch_start") }
    func onValidationEpochEnd() { note("on_validation_epoch_end") }
    func onValidationBatchStart(_ batch: LabeledBatch, batchIndex: Int) { note("on_validation_batch_start") }
    func onValidationBatchEnd(_ batch: LabeledBatch, batchIndex: Int) { note("on_validation_batch_end") }
    func onBeforeBackward(_ loss: Tensor) { note("on_before_backward") }
    func onAfterBackward() { note("on_after_backward") }
    func onBeforeZeroGrad(_ optimizer: any Optimizer) { note("on_before_zero_grad") }
    func onBeforeOptimizerStep(_ optimizer: any Optimizer) { note("on_before_optimizer_step") }
    func onException(_ error: Error) { note("on_exception") }
}

struct StepFailure: Error {}

/// A callback recording its hooks as `Callback.<name>`.
final class RecordingCallback: Callback {
    var record: [String] = []
    func onFitStart(trainer: Trainer) { record.append("Callback.on_fit_start") }
    func onFitEnd(trainer: Trainer) { record.append("Callback.on_fit_end") }
    func onSanityCheckStart(trainer: Trainer) { record.append("Callback.on_sanity_check_start") }
    func onSanityCheckEnd(trainer: Trainer) { record.append("Callback.on_sanity_check_end") }
    func onTrainStart(trainer: Trainer) { record.append("Callback.on_train_start") }
    func onTrainEnd(trainer: Trainer) { record.append("Callback.on_train_end") }
    func onTrainEpochStart(trainer: Trainer) { record.append("Callback.on_train_epoch_start") }
    func onTrainEpochEnd(trainer: Trainer) throws { record.append("Callback.on_train_epoch_end") }
    func onTrainBatchStart(trainer: Trainer, batchIndex: Int) { record.append("Callback.on_train_batch_start") }
    func onTrainBatchEnd(trainer: Trainer, batchIndex: Int) throws { record.append("Callback.on_train_batch_end") }
    func onValidationStart(trainer: Trainer) { record.append("Callback.on_validation_start") }
    func onValidationEnd(trainer: Trainer) throws { record.append("Callback.on_validation_end") }
    func onValidationEpochStart(trainer: Trainer) { record.append("Callback.on_validation_epoch_start") }
    func onValidationEpochEnd(trainer: Trainer) { record.append("Callback.on_validation_epoch_end") }
    func onValidationBatchStart(trainer: Trainer, batchIndex: Int) { record.append("Callback.on_validation_batch_start") }
    func onValidationBatchEnd(trainer: Trainer, batchIndex: Int) { record.append("Callback.on_validation_batch_end") }
    func onBeforeBackward(trainer: Trainer, loss: Tensor) { record.append("Callback.on_before_backward") }
    func onAfterBackward(trainer: Trainer) { record.append("Callback.on_after_backward") }
    func onBeforeZeroGrad(trainer: Trainer, optimizer: any Optimizer) { record.append("Callback.on_before_zero_grad") }
    func onBeforeOptimizerStep(trainer: Trainer, optimizer: any Optimizer) { record.append("Callback.on_before_optimizer_step") }
    func onException(trainer: Trainer, error: Error) { record.append("Callback.on_exception") }
}

/// A trainer with no files, progress or summary output.
func quietTrainer(maxEpochs: Int? = 1, callbacks: [any Callback] = []) -> Trainer {
    let trainer = Trainer(maxEpochs: maxEpochs, callbacks: callbacks)
    trainer.loggers = []
    trainer.enableCheckpointing = false
    trainer.enableProgressBar = false
    trainer.enableModelSummary = false
    return trainer
}
