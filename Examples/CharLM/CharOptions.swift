import Foundation
import MNISTModels

/// Which training loop runs the model.
public enum CharFrontend: String, CaseIterable, Sendable {
    /// A hand-written loop over the core.
    case core
    /// The Events engine (``lossTrainer``).
    case events
    /// The Structured Trainer.
    case structured
}

/// The command line of `char-lm`.
public struct CharOptions {
    /// The training loop.
    public var frontend = CharFrontend.events
    /// The model.
    public var model = CharModelKind.gpt
    /// The corpus.
    public var dataPath = "../shared/data/shakespeare/tragedies.txt"
    /// Optimizer steps in all (a resumed run continues up to this count).
    public var steps = 2000
    /// The seed of the initialization, the windows and the sample.
    public var seed: UInt64 = 0
    /// Where to append the JSON record, if anywhere.
    public var jsonPath: String?
    /// Characters to generate after training.
    public var sampleLength = 200
    /// The text generation continues from.
    public var prompt = "\n"
    /// Sequences per batch.
    public var batchSize = 12
    /// The model's size.
    public var configuration = GPTConfiguration()
    /// Validation batches averaged for `val_loss`.
    public var validationBatches = 50
    /// Save a checkpoint every this many steps, into ``checkpointDirectory`` as `step=N.ckpt`.
    public var checkpointEvery: Int?
    /// Where periodic checkpoints go.
    public var checkpointDirectory = "checkpoints/char-lm"
    /// A checkpoint to continue from.
    public var resumePath: String?
    /// Where to write the loss curve as JSON, if anywhere.
    public var curvesPath: String?
    /// The loggers asked for (`--logger csv|tensorboard`, repeatable).
    public var loggers: [RunOptions.LoggerKind] = []
    /// Where the loggers write: `DIR/char-lm-<model>-<frontend>/version_N`.
    public var logDirectory = "logs"
    /// Where to export the trained model as ONNX (int64 ids `[batch, context]`), if anywhere.
    public var onnxPath: String?

    /// The defaults.
    public init() {}

    /// Options from command-line arguments.
    /// - Throws: ``UsageError`` for an unknown flag or a value out of range; ``HelpRequested`` for `--help`.
    public init(parsing arguments: [String]) throws {
        var reader = ArgumentReader(arguments)
        while let flag = reader.next() {
            switch flag {
            case "--frontend":
                let name = try reader.value(flag)
                guard let frontend = CharFrontend(rawValue: name) else { throw UsageError("unknown frontend \(name); use core, events or structured") }
                self.frontend = frontend
            case "--model":
                let name = try reader.value(flag)
                guard let kind = CharModelKind(rawValue: name) else { throw UsageError("unknown model \(name); use gpt or gru") }
                model = kind
            case "--data": dataPath = try reader.value(flag)
            case "--steps": steps = try reader.number(flag, in: 1...10_000_000)
            case "--seed": seed = try reader.number(flag, in: 0...UInt64.max)
            case "--json": jsonPath = try reader.value(flag)
            case "--sample": sampleLength = try reader.number(flag, in: 0...1_000_000)
            case "--prompt": prompt = try reader.value(flag)
            case "--batch-size": batchSize = try reader.number(flag, in: 1...4096)
            case "--layers": configuration.layers = try reader.number(flag, in: 1...64)
            case "--heads": configuration.heads = try reader.number(flag, in: 1...64)
            case "--width": configuration.width = try reader.number(flag, in: 1...8192)
            case "--context": configuration.context = try reader.number(flag, in: 1...8192)
            case "--validation-batches": validationBatches = try reader.number(flag, in: 1...100_000)
            case "--checkpoint-every": checkpointEvery = try reader.number(flag, in: 1...10_000_000)
            case "--checkpoint-dir": checkpointDirectory = try reader.value(flag)
            case "--resume": resumePath = try reader.value(flag)
            case "--curves": curvesPath = try reader.value(flag)
            case "--logger":
                let name = try reader.value(flag)
                guard let kind = RunOptions.LoggerKind(rawValue: name) else { throw UsageError("unknown logger \(name); use csv, tensorboard or mlflow") }
                if !loggers.contains(kind) { loggers.append(kind) }
            case "--log-dir": logDirectory = try reader.value(flag)
            case "--export-onnx": onnxPath = try reader.value(flag)
            case "--help", "-h": throw HelpRequested()
            default: throw UsageError("unknown option \(flag); see --help")
            }
        }
        guard configuration.width % configuration.heads == 0 else {
            throw UsageError("--width \(configuration.width) does not divide into --heads \(configuration.heads)")
        }
        guard prompt.utf8.count <= configuration.context else {
            throw UsageError("--prompt has \(prompt.utf8.count) characters but the model reads at most --context \(configuration.context)")
        }
        guard !prompt.isEmpty else { throw UsageError("--prompt needs at least one character") }
    }

    /// The settings that define a run, for the HParams table and MLflow's run view.
    public var hyperparameters: [String: String] {
        ["model": model.rawValue, "frontend": frontend.rawValue, "steps": String(steps), "seed": String(seed),
         "batch_size": String(batchSize), "layers": String(configuration.layers), "heads": String(configuration.heads),
         "width": String(configuration.width), "context": String(configuration.context)]
    }

    /// The usage text.
    public static let usage = """
        options:
          --frontend core|events|structured   training loop (events)
          --model gpt|gru                     model: the GPT, or an embedding + GRU + linear head (gpt)
          --data FILE                         text corpus (../shared/data/shakespeare/tragedies.txt)
          --steps N                           optimizer steps in all, at least 1 (2000)
          --seed S                            seed of weights, windows and sample (0)
          --json FILE                         append one JSON record
          --sample N                          characters to generate after training (200)
          --prompt TEXT                       text the sample continues, at most --context characters ("\\n")
          --batch-size B                      sequences per batch (12)
          --layers N --heads N --width N --context N   model size (4, 4, 128, 64; the GRU uses layers and width)
          --validation-batches N              batches averaged for val_loss (50)
          --checkpoint-every N                save DIR/step=N.ckpt every N steps (Lightning's naming)
          --checkpoint-dir DIR                folder for those checkpoints (checkpoints/char-lm)
          --resume FILE                       continue from a checkpoint up to --steps
          --curves FILE                       write the training loss curve (JSON)
          --logger csv|tensorboard|mlflow     log the loss, validation loss, sample and settings (repeatable)
          --log-dir DIR                       where the loggers write: DIR/char-lm-<model>-<frontend>/version_N (logs)
          --export-onnx FILE                  export the trained GPT as ONNX (int64 ids [batch, context])
          --help                              this text
        """
}
