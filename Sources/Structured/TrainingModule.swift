import Events
import Metrics
import TensorCore

/// A model that knows how to train itself: the Lightning-style contract.
///
/// Implement ``trainingStep(_:batchIndex:)`` (return the loss) and ``configureOptimizers()``;
/// everything else has a default. Hooks are protocol requirements with do-nothing defaults,
/// called by the ``Trainer`` in Lightning's order (see `Tests/StructuredTests/HookOrderTests`),
/// never looked up by name.
///
/// ```swift
/// final class Classifier: TrainingModule {
///     let network = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 10))
///     let accuracy = Accuracy(task: .multiclass(classes: 10))
///     var isTraining = true
///     var children: [(String, any Module)] { [("network", network)] }
///     func callAsFunction(_ x: Tensor) -> Tensor { network(x) }
///
///     func trainingStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor? {
///         let loss = crossEntropy(logits: self(batch.inputs), labels: batch.labels)
///         try log("train_loss", loss.scalar)
///         return loss
///     }
///     func validationStep(_ batch: LabeledBatch, batchIndex: Int) throws {
///         let logits = self(batch.inputs)
///         try accuracy.update(predictions: logits, targets: batch.labels)
///         try log("val_loss", crossEntropy(logits: logits, labels: batch.labels).scalar)
///         try log("val_accuracy", accuracy)
///     }
///     func configureOptimizers() -> OptimizerConfiguration { OptimizerConfiguration(Adam(for: self)) }
/// }
/// ```
public protocol TrainingModule: Module {
    /// What the data yields; `LabeledBatch` for the usual supervised data.
    associatedtype Batch = LabeledBatch

    /// The loss of one training batch (automatic optimization backpropagates it and steps), or
    /// nil to skip the batch. With manual optimization, do the backward and step here
    /// (``manualBackward(_:)``, ``optimizer``) and return nil.
    func trainingStep(_ batch: Batch, batchIndex: Int) throws -> Tensor?
    /// One validation batch; runs without gradient recording, in evaluation mode. Default: nothing.
    func validationStep(_ batch: Batch, batchIndex: Int) throws
    /// One test batch, as validation. Default: nothing.
    func testStep(_ batch: Batch, batchIndex: Int) throws
    /// The prediction for one batch. Default: the forward pass on `inputs` of a `LabeledBatch`.
    func predictStep(_ batch: Batch, batchIndex: Int) throws -> Tensor
    /// The optimizer (and optional learning-rate schedule). Called once per `fit`.
    func configureOptimizers() -> OptimizerConfiguration?
    /// Whether the trainer runs backward and the optimizer step (true, the default) or the
    /// training step does (manual optimization).
    var automaticOptimization: Bool { get }

    /// Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    func onFitStart()
    /// Called once when `fit` ends normally, after training.
    func onFitEnd()
    /// Called when the training loop starts (also when it resumes).
    func onTrainStart()
    /// Called when the training loop ends, after the last epoch.
    func onTrainEnd()
    /// Called at the start of every training epoch, in training mode.
    func onTrainEpochStart()
    /// Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    func onTrainEpochEnd()
    /// Called before each training batch's step.
    func onTrainBatchStart(_ batch: Batch, batchIndex: Int)
    /// Called after each training batch: its step, backward and any optimizer step are done.
    func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int)
    /// Called when a validation pass starts (within `fit`, or `validate`).
    func onValidationStart()
    /// Called when a validation pass ends, after its epoch values are published.
    func onValidationEnd()
    /// Called at the start of a validation pass's batches.
    func onValidationEpochStart()
    /// Called after a validation pass's batches, before its epoch values are computed.
    func onValidationEpochEnd()
    /// Called before each validation batch's step.
    func onValidationBatchStart(_ batch: Batch, batchIndex: Int)
    /// Called after each validation batch's step.
    func onValidationBatchEnd(_ batch: Batch, batchIndex: Int)
    /// Called when `test` starts.
    func onTestStart()
    /// Called when `test` ends, after its epoch values are published.
    func onTestEnd()
    /// Called at the start of the test batches.
    func onTestEpochStart()
    /// Called after the test batches, before their epoch values are computed.
    func onTestEpochEnd()
    /// Called before backward, with the loss as scaled for gradient accumulation.
    func onBeforeBackward(_ loss: Tensor)
    /// Called after backward, before gradients are synchronized across processes.
    func onAfterBackward()
    /// Called before gradients are cleared at the start of an accumulation window.
    func onBeforeZeroGrad(_ optimizer: any Optimizer)
    /// Called before the optimizer step, after gradients are synchronized and before clipping.
    func onBeforeOptimizerStep(_ optimizer: any Optimizer)
    /// Adds entries to a checkpoint being saved.
    func onSaveCheckpoint(_ entries: inout [String: String])
    /// Reads entries from a checkpoint being restored.
    func onLoadCheckpoint(_ entries: [String: String]) throws
    /// Called when a step or hook throws, before the error propagates.
    func onException(_ error: Error)

    /// The settings that define this run (Lightning's `save_hyperparameters`): the Trainer hands
    /// them to every logger at the end of `fit`, next to the final logged metrics, so the
    /// HParams table and MLflow's run view show both. Defaults to none.
    var hyperparameters: [String: String] { get }
}

extension TrainingModule {
    /// Does nothing: a module without validation. Reached with validation data, it tells the
    /// Trainer, which then skips validation for the rest of the run and warns once (Lightning's rule).
    public func validationStep(_ batch: Batch, batchIndex: Int) throws {
        TrainerContext.current?.lacksValidationStep = true
    }
    /// Does nothing: a module without test steps.
    public func testStep(_ batch: Batch, batchIndex: Int) throws {}
    /// Automatic optimization: the trainer runs backward and the optimizer step.
    public var automaticOptimization: Bool { true }
    /// Does nothing; override it to act here. Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    public func onFitStart() {}
    /// Does nothing; override it to act here. Called once when `fit` ends normally, after training.
    public func onFitEnd() {}
    /// Does nothing; override it to act here. Called when the training loop starts (also when it resumes).
    public func onTrainStart() {}
    /// Does nothing; override it to act here. Called when the training loop ends, after the last epoch.
    public func onTrainEnd() {}
    /// Does nothing; override it to act here. Called at the start of every training epoch, in training mode.
    public func onTrainEpochStart() {}
    /// Does nothing; override it to act here. Called at the end of every training epoch, after its validation; monitoring callbacks run once the epoch's logged values are known.
    public func onTrainEpochEnd() {}
    /// Does nothing; override it to act here. Called before each training batch's step.
    public func onTrainBatchStart(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each training batch: its step, backward and any optimizer step are done.
    public func onTrainBatchEnd(_ loss: Tensor?, batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called when a validation pass starts (within `fit`, or `validate`).
    public func onValidationStart() {}
    /// Does nothing; override it to act here. Called when a validation pass ends, after its epoch values are published.
    public func onValidationEnd() {}
    /// Does nothing; override it to act here. Called at the start of a validation pass's batches.
    public func onValidationEpochStart() {}
    /// Does nothing; override it to act here. Called after a validation pass's batches, before its epoch values are computed.
    public func onValidationEpochEnd() {}
    /// Does nothing; override it to act here. Called before each validation batch's step.
    public func onValidationBatchStart(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called after each validation batch's step.
    public func onValidationBatchEnd(_ batch: Batch, batchIndex: Int) {}
    /// Does nothing; override it to act here. Called when `test` starts.
    public func onTestStart() {}
    /// Does nothing; override it to act here. Called when `test` ends, after its epoch values are published.
    public func onTestEnd() {}
    /// Does nothing; override it to act here. Called at the start of the test batches.
    public func onTestEpochStart() {}
    /// Does nothing; override it to act here. Called after the test batches, before their epoch values are computed.
    public func onTestEpochEnd() {}
    /// Does nothing; override it to act here. Called before backward, with the loss as scaled for gradient accumulation.
    public func onBeforeBackward(_ loss: Tensor) {}
    /// Does nothing; override it to act here. Called after backward, before gradients are synchronized across processes.
    public func onAfterBackward() {}
    /// Does nothing; override it to act here. Called before gradients are cleared at the start of an accumulation window.
    public func onBeforeZeroGrad(_ optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Called before the optimizer step, after gradients are synchronized and before clipping.
    public func onBeforeOptimizerStep(_ optimizer: any Optimizer) {}
    /// Does nothing; override it to act here. Adds state to a checkpoint being saved.
    public func onSaveCheckpoint(_ entries: inout [String: String]) {}
    /// Does nothing; override it to act here. Restores state from a checkpoint being resumed.
    public func onLoadCheckpoint(_ entries: [String: String]) throws {}
    /// Does nothing; override it to act here. Called when a step or hook throws, before the error propagates.
    public func onException(_ error: Error) {}
    /// No hyperparameters.
    public var hyperparameters: [String: String] { [:] }

    /// The (first) optimizer from ``configureOptimizers()`` during `fit`, for manual optimization.
    public var optimizer: (any Optimizer)? { optimizers.first }
    /// Every optimizer from ``configureOptimizers()`` during `fit`, in order (Lightning's
    /// `optimizers()`); empty outside `fit`.
    public var optimizers: [any Optimizer] { TrainerContext.current?.trainer.optimizers ?? [] }

    /// Freezes every parameter of the other optimizers that `optimizer` does not update, so that
    /// a backward pass computes gradients for `optimizer`'s parameters only (Lightning's
    /// `toggle_optimizer`: the generator's step does not fill the discriminator's gradients).
    /// Undo it with ``untoggleOptimizer(_:)``. The inputs' gradients still flow through frozen
    /// layers.
    public func toggleOptimizer(_ optimizer: any Optimizer) {
        guard let context = TrainerContext.current else { return }
        let own = Set(optimizer.parameters.map(ObjectIdentifier.init))
        var seen = Set<ObjectIdentifier>()
        for other in context.trainer.optimizers where other !== optimizer {
            for parameter in other.parameters where !own.contains(ObjectIdentifier(parameter))
                && seen.insert(ObjectIdentifier(parameter)).inserted {
                context.frozen.append((parameter, parameter.requiresGradient))
                parameter.requiresGradient = false
            }
        }
    }

    /// Gives back the parameters ``toggleOptimizer(_:)`` froze their former setting (Lightning's
    /// `untoggle_optimizer`).
    public func untoggleOptimizer(_ optimizer: any Optimizer) {
        guard let context = TrainerContext.current else { return }
        for (parameter, required) in context.frozen { parameter.requiresGradient = required }
        context.frozen = []
    }

    /// Backpropagates `loss` with the backward hooks, for manual optimization
    /// (Lightning's `manual_backward`). When several processes train, the gradients are then
    /// averaged across them (weighted by each rank's batch size), as DDP's backward does.
    /// - Throws: a data-dependent error recorded while computing `loss`, or a communication error.
    public func manualBackward(_ loss: Tensor) throws {
        guard let context = TrainerContext.current, let optimization = context.optimization else {
            try throwPendingDataError()
            loss.backward()
            return
        }
        defer { context.hook = .trainingStep }
        try optimization.manualBackward(loss, examples: context.batchSize)
    }
}

extension TrainingModule where Batch == LabeledBatch, Input == Tensor {
    /// The forward pass on the batch's inputs.
    public func predictStep(_ batch: LabeledBatch, batchIndex: Int) throws -> Tensor {
        self(batch.inputs)
    }
}
