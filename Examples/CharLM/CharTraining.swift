import Datasets
import Events
import Foundation
import MNISTModels
import Structured
import TensorCore

/// The training loss every `every` steps, as (step, loss) points, also sent to the run's
/// loggers (and flushed) as it is recorded: every frontend records through it.
final class LossCurve {
    let every: Int
    let loggers: [any MetricsLogger]
    private(set) var points: [(step: Int, loss: Float)] = []
    init(every: Int, loggers: [any MetricsLogger] = []) {
        self.every = every
        self.loggers = loggers
    }
    /// Records `loss` when `step` (counted from 1) is a multiple of `every`.
    func record(step: Int, loss: Float) throws {
        guard step % every == 0 else { return }
        points.append((step, loss))
        for logger in loggers {
            try logger.log(["train_loss": loss], step: step)
            try logger.flush()
        }
    }
}

/// What every frontend trains on: the model, its optimizer, the windows, and where a resumed
/// run starts.
struct CharSetup {
    let model: any CharModel
    let optimizer: AdamW
    let loader: DataLoader<TokenWindowDataset>
    let vocabulary: CharacterVocabulary
    let options: CharOptions
    let resume: TrainingCheckpoint?
    let curve: LossCurve

    var checkpointEvery: Int? { options.checkpointEvery }
    var firstStep: Int { resume?.step ?? 0 }

    func checkpointPath(step: Int) -> String { "\(options.checkpointDirectory)/step=\(step).ckpt" }

    func extraEntries(_ base: [String: String] = [:]) -> [String: String] {
        var entries = base
        entries.store(vocabulary)
        return entries
    }
}

/// The hand-written loop: zero the gradients, backward, clip at norm 1, step.
func trainWithCore(_ setup: CharSetup) throws {
    if let resume = setup.resume { try resume.restore(model: setup.model, optimizer: setup.optimizer) }
    for step in setup.firstStep..<setup.options.steps {
        let batch = setup.loader.batch(step, epoch: 0)
        let loss = crossEntropy(logits: setup.model(batch.inputs), targets: batch.targets)
        try throwPendingDataError()
        setup.optimizer.zeroGradients()
        loss.backward()
        clipGradientNorm(of: setup.optimizer.parameters, maximumNorm: 1)
        setup.optimizer.step()
        try setup.curve.record(step: step + 1, loss: loss.scalar)
        if let every = setup.checkpointEvery, (step + 1) % every == 0 {
            try TrainingCheckpoint(model: setup.model, optimizer: setup.optimizer, epoch: 0, step: step + 1,
                                   extra: setup.extraEntries()).save(to: setup.checkpointPath(step: step + 1))
        }
    }
}

/// The Events engine: a loss trainer with clipping, a checkpoint handler every N iterations.
func trainWithEvents(_ setup: CharSetup) throws {
    let model = setup.model
    let trainer = lossTrainer(model: model, optimizer: setup.optimizer, options: SupervisedOptions(gradientClipping: .norm(1))) {
        (batch: TokenBatch) in (crossEntropy(logits: model(batch.inputs), targets: batch.targets), batch.count)
    }
    if let resume = setup.resume {
        try resume.restore(model: model, optimizer: setup.optimizer)
        try trainer.restore(from: resume.extra)
    }
    trainer.on(.iterationCompleted) { try setup.curve.record(step: $0.state.iteration, loss: $0.state.output!) }
    if let every = setup.checkpointEvery {
        trainer.on(.iterationCompleted(every: every)) { engine in
            try TrainingCheckpoint(model: model, optimizer: setup.optimizer, epoch: 0, step: engine.state.iteration,
                                   extra: setup.extraEntries(engine.checkpointEntries))
                .save(to: setup.checkpointPath(step: engine.state.iteration))
        }
    }
    try trainer.run(setup.loader, maxEpochs: 1)
}

/// The GPT as a Lightning-style module: the training step returns the loss, the optimizer is
/// the reference's AdamW, and the vocabulary travels with every checkpoint.
final class CharLanguageModule: TrainingModule {
    typealias Batch = TokenBatch
    let model: any CharModel
    let optimizer: AdamW
    let vocabulary: CharacterVocabulary
    let curve: LossCurve
    var isTraining = true
    var children: [(String, any Module)] { [("model", model)] }

    init(model: any CharModel, optimizer: AdamW, vocabulary: CharacterVocabulary, curve: LossCurve) {
        self.model = model
        self.optimizer = optimizer
        self.vocabulary = vocabulary
        self.curve = curve
    }

    func callAsFunction(_ input: IndexTensor) -> Tensor { model(input) }

    func trainingStep(_ batch: TokenBatch, batchIndex: Int) throws -> Tensor? {
        let loss = crossEntropy(logits: self(batch.inputs), targets: batch.targets)
        try log("train_loss", loss.scalar)
        try curve.record(step: batchIndex + 1, loss: loss.scalar)   // one epoch: the batch index is the step
        return loss
    }

    func predictStep(_ batch: TokenBatch, batchIndex: Int) throws -> Tensor { self(batch.inputs) }

    func configureOptimizers() -> OptimizerConfiguration? { OptimizerConfiguration(optimizer) }

    func onSaveCheckpoint(_ entries: inout [String: String]) { entries.store(vocabulary) }
}

/// The Structured Trainer: clipping at norm 1, a checkpoint callback every N steps.
func trainWithStructured(_ setup: CharSetup) throws {
    let module = CharLanguageModule(model: setup.model, optimizer: setup.optimizer, vocabulary: setup.vocabulary, curve: setup.curve)
    var callbacks: [any Callback] = []
    if let every = setup.checkpointEvery {
        callbacks.append(CheckpointCallback(directory: setup.options.checkpointDirectory, filename: "{step}",
                                            saveTopK: -1, everySteps: every))
    }
    let trainer = Trainer(maxEpochs: 1, maxSteps: setup.options.steps, callbacks: callbacks)
    trainer.gradientClipping = .norm(1)
    trainer.loggers = []
    trainer.enableCheckpointing = setup.checkpointEvery != nil
    trainer.enableProgressBar = false
    trainer.enableModelSummary = false
    trainer.sanityValidationSteps = 0
    try trainer.fit(module, train: setup.loader, resumeFrom: setup.options.resumePath.map { .path($0) })
}
