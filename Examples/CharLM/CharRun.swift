import Datasets
import Events
import Foundation
import MNISTModels
import TensorCore

/// A finished run: its record and the generated sample.
public struct CharRunResult {
    /// The JSON record.
    public var record: CharRecord
    /// The generated text.
    public var sample: String
    /// The training loss at about 100 evenly spaced steps.
    public var lossCurve: [(step: Int, loss: Float)]
    /// Where the run's loggers wrote (`--logger`).
    public var logLocations: [String] = []
}

/// Trains the character-level GPT with the chosen frontend, measures the validation loss and
/// generates a sample. The model, the data and the evaluation are the same for every frontend.
/// `announce` receives the start line once the corpus and any checkpoint have been checked.
/// - Throws: ``DataError`` for a missing, unreadable or too short corpus, or one with characters
///   outside a resumed checkpoint's vocabulary; ``CheckpointError`` for a checkpoint that does
///   not fit; whatever training throws.
public func runCharLM(_ options: CharOptions, announce: (String) -> Void = { _ in }) throws -> CharRunResult {
    let resume = try options.resumePath.map { try TrainingCheckpoint(contentsOf: $0) }
    let savedVocabulary = try resume.flatMap { try $0.extra.component(CharacterVocabulary.self) }
    if resume != nil, savedVocabulary == nil {
        throw UsageError("--resume \(options.resumePath!): the checkpoint holds no vocabulary; it was not written by char-lm")
    }
    let corpus = try TextCorpus(contentsOf: options.dataPath, context: options.configuration.context, vocabulary: savedVocabulary)
    if let checkpoint = resume, checkpoint.step >= options.steps {
        throw UsageError("--resume: the checkpoint is at step \(checkpoint.step); --steps \(options.steps) asks for no further training")
    }
    if options.checkpointEvery != nil {
        try FileManager.default.createDirectory(atPath: options.checkpointDirectory, withIntermediateDirectories: true)
    }
    let prompt = try corpus.vocabulary.encode(Array(options.prompt.utf8), source: "--prompt")

    announce("\(options.model.rawValue), \(options.frontend.rawValue), \(options.steps) steps from step \(resume?.step ?? 0), \(corpus.tokens.count) characters, vocabulary \(corpus.vocabulary.count); kernels \(InstructionSet.active), BLAS \(ComputeBackend.blasKernels)")
    seedEverything(options.seed)
    let model = options.model.make(vocabularySize: corpus.vocabulary.count, configuration: options.configuration)
    let optimizer = model.makeOptimizer()
    let windows = TokenWindowDataset(tokens: corpus.training, context: options.configuration.context,
                                     windows: options.steps * options.batchSize, seed: options.seed)
    let name = "char-lm-\(options.model.rawValue)-\(options.frontend.rawValue)"
    let version = nextLogVersion(root: options.logDirectory, name: name)   // one folder for the run's CSV and event files
    let loggers: [any MetricsLogger] = try options.loggers.map {
        switch $0 {
        case .csv: try CSVLogger(root: options.logDirectory, name: name, version: version)
        case .tensorboard: try TensorBoardLogger(root: options.logDirectory, name: name, version: version)
        case .mlflow: try MLflowLogger(experiment: "swifttrain-char-lm", runName: name, artifacts: [options.onnxPath].compactMap { $0 }).started()
        }
    }
    let setup = CharSetup(model: model, optimizer: optimizer, loader: DataLoader(windows, batchSize: options.batchSize),
                          vocabulary: corpus.vocabulary, options: options, resume: resume,
                          curve: LossCurve(every: max(1, options.steps / 100), loggers: loggers))
    let start = DispatchTime.now().uptimeNanoseconds
    switch options.frontend {
    case .core: try trainWithCore(setup)
    case .events: try trainWithEvents(setup)
    case .structured: try trainWithStructured(setup)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let steps = options.steps - setup.firstStep

    let validationLoss = validationLoss(of: model, corpus: corpus, options: options)
    var generator = RandomGenerator(seed: options.seed)
    let sample = generate(from: model, prompt: prompt, count: options.sampleLength, using: &generator)
    let record = CharRecord(frontend: options.frontend.rawValue, model: options.model.rawValue, steps: steps, trainSeconds: seconds,
                            millisecondsPerStep: 1000 * seconds / Double(max(steps, 1)), validationLoss: validationLoss,
                            parameters: model.parameterCount, peakResidentMegabytes: peakResidentMegabytes(),
                            weightsCRC32: weightsChecksum(model))
    if let path = options.onnxPath {
        try model.exportONNX(to: URL(fileURLWithPath: path), inputShape: [1, options.configuration.context])
    }
    let text = corpus.vocabulary.decode(sample)
    for logger in loggers {
        try logger.log(["val_loss": Float(validationLoss)], step: options.steps)
        if !text.isEmpty { try logger.logText("sample", text: text, step: options.steps) }
        try logger.logHyperparameters(options.hyperparameters, finalMetrics: ["val_loss": Float(validationLoss), "train_loss": setup.curve.points.last?.loss ?? .nan],
                                      step: options.steps)
        try logger.finish(succeeded: true)
    }
    return CharRunResult(record: record, sample: corpus.vocabulary.decode(sample), lossCurve: setup.curve.points,
                         logLocations: loggers.map(\.location).reduce(into: []) { if !$0.contains($1) { $0.append($1) } })
}

/// The mean cross-entropy over `validationBatches` seeded batches of validation windows.
func validationLoss(of model: any CharModel, corpus: TextCorpus, options: CharOptions) -> Double {
    let windows = TokenWindowDataset(tokens: corpus.validation, context: options.configuration.context,
                                     windows: options.validationBatches * options.batchSize, seed: options.seed &+ 1)
    let loader = DataLoader(windows, batchSize: options.batchSize)
    model.eval()
    defer { model.train() }
    let total = withoutGradient {
        loader.batches(epoch: 0).reduce(0.0) { $0 + Double(crossEntropy(logits: model($1.inputs), targets: $1.targets).scalar) }
    }
    return total / Double(loader.batchesPerEpoch)
}

/// `count` tokens sampled one at a time after `prompt`, each from the model's next-token
/// distribution given the last `context` tokens.
func generate(from model: any CharModel, prompt: [Int32], count: Int, using generator: inout RandomGenerator) -> [Int32] {
    var tokens = prompt
    let context = model.context
    model.eval()
    defer { model.train() }
    for _ in 0..<count {
        let window = Array(tokens.suffix(context))
        let logits = withoutGradient { model(IndexTensor(window, shape: [1, window.count])) }
        let next = sampleIndex(fromLogits: logits[0][window.count - 1], using: &generator)
        tokens.append(Int32(next))
    }
    return Array(tokens.dropFirst(prompt.count))
}
