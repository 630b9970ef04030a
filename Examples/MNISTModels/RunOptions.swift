import Foundation
import Datasets

/// The command-line contract shared by the MNIST programs:
/// `--model seed|mlp|cnn --epochs N --batch-size B --seed S --data DIR --json FILE --limit N`.
public struct RunOptions {
    /// The reference model to train (`--model`).
    public var model = ReferenceModel.mlp
    /// Training epochs (`--epochs`).
    public var epochs = 1
    /// The global batch size, split over the processes (`--batch-size`).
    public var batchSize = 64
    /// The seed of weights and shuffling (`--seed`).
    public var seed: UInt64 = 0
    /// The MNIST folder (`--data`); nil searches the usual places.
    public var dataDirectory: String?
    /// Where to append the JSON record (`--json`), if anywhere.
    public var jsonPath: String?
    /// Train on the first `limit` training images only (for quick checks); nil means all.
    public var limit: Int?
    /// Processes for data-parallel training (relaunched under `mpirun` when not started by it).
    /// `--batch-size` stays the global batch: each rank takes `batchSize / worldSize`.
    public var devices = 1
    /// Where to write the learning curves (JSON), for the comparison report.
    public var curvesPath: String?
    /// Where `mnist-compare` writes its HTML report.
    public var reportPath: String?
    /// Where runs log (`--logger`), one folder per frontend and model below it.
    public var logDirectory = "logs"
    /// The loggers asked for, in order (`--logger csv|tensorboard`, repeatable).
    public var loggers: [LoggerKind] = []
    /// Where to export the trained model as ONNX (`--export-onnx`), if anywhere.
    public var onnxPath: String?
    /// Whether to time every step, handler and hook (`--profile`): the table prints at the end,
    /// and JSON and a Chrome trace go to the log folder.
    public var profile = false
    /// Whether to run the learning-rate range test before training (`--lr-find`; Events and
    /// Structured). Model, optimizer and random state are restored, so training is unchanged.
    public var findLearningRate = false
    /// Test-set evaluations per epoch for the accuracy curve (`--validations-per-epoch`): at every
    /// `1/N` of the epoch, as Lightning's `val_check_interval`, and at its end. Only the end of
    /// epoch drives checkpoints and early stopping.
    public var validationsPerEpoch = 4

    /// Whether batch `done` (1-based) of `length` ends a fraction of the epoch where an evaluation
    /// is due, before the epoch's end: Events' `EvaluationSchedule` rule, for the core loop.
    public func isMidEpochEvaluation(afterBatch done: Int, of length: Int) -> Bool {
        guard validationsPerEpoch > 1, done < length else { return false }
        return done % Swift.max(1, Int((Double(length) * (1 / Double(validationsPerEpoch))).rounded(.down))) == 0
    }

    /// A logger a run can write to.
    public enum LoggerKind: String, CaseIterable, Sendable {
        /// Lightning's CSV layout.
        case csv
        /// TensorBoard event files.
        case tensorboard
        /// An MLflow tracking server (`MLFLOW_TRACKING_URI`).
        case mlflow
    }

    /// The defaults.
    public init() {}

    /// Parses `arguments` (without the program name); throws a one-line message on a bad flag,
    /// and ``HelpRequested`` for `--help`. Numbers are bounded so that no count can overflow.
    public init(parsing arguments: [String]) throws {
        var reader = ArgumentReader(arguments)
        while let flag = reader.next() {
            switch flag {
            case "--model":
                let name = try reader.value(flag)
                guard let model = ReferenceModel(rawValue: name) else { throw UsageError("unknown model \(name); use seed, mlp or cnn") }
                self.model = model
            case "--epochs": epochs = try reader.number(flag, in: 1...100_000)
            case "--batch-size": batchSize = try reader.number(flag, in: 1...60_000)
            case "--seed": seed = try reader.number(flag, in: 0...UInt64.max)
            case "--data": dataDirectory = try reader.value(flag)
            case "--json": jsonPath = try reader.value(flag)
            case "--limit": limit = try reader.number(flag, in: 1...60_000)
            case "--devices": devices = try reader.number(flag, in: 1...4096)
            case "--curves": curvesPath = try reader.value(flag)
            case "--report": reportPath = try reader.value(flag)
            case "--logger":
                let name = try reader.value(flag)
                guard let kind = LoggerKind(rawValue: name) else { throw UsageError("unknown logger \(name); use csv, tensorboard or mlflow") }
                if !loggers.contains(kind) { loggers.append(kind) }
            case "--log-dir": logDirectory = try reader.value(flag)
            case "--export-onnx": onnxPath = try reader.value(flag)
            case "--profile": profile = true
            case "--lr-find": findLearningRate = true
            case "--validations-per-epoch": validationsPerEpoch = try reader.number(flag, in: 1...100)
            case "--help", "-h": throw HelpRequested()
            default: throw UsageError("unknown option \(flag); see --help")
            }
        }
    }

    /// Checks, before any training, that every output file can be written: its folder exists,
    /// is a folder, and is writable. Throws one line naming the flag and the path.
    public func checkOutputPaths() throws {
        for (flag, path) in [("--json", jsonPath), ("--curves", curvesPath), ("--report", reportPath), ("--export-onnx", onnxPath)] {
            guard let path else { continue }
            let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
                throw UsageError("\(flag) \(path): the folder \(folder) does not exist")
            }
            guard isFolder.boolValue else { throw UsageError("\(flag) \(path): \(folder) is not a folder") }
            guard FileManager.default.isWritableFile(atPath: folder) else { throw UsageError("\(flag) \(path): \(folder) is not writable") }
        }
    }

    /// The usage text printed by `--help`.
    public static let usage = """
        options:
          --model seed|mlp|cnn   reference model (mlp)
          --epochs N             epochs, 1-100000 (1)
          --batch-size B         global batch, 1-60000 (64)
          --seed S               random seed (0)
          --data DIR             folder with the four MNIST *-ubyte.gz files
          --limit N              train on the first N images only
          --devices N            processes for data parallelism (mnist-events, mnist-structured) (1)
          --json FILE            append one JSON record per run
          --curves FILE          write the loss and accuracy curves (JSON)
          --report FILE          the HTML report (mnist-compare)
          --logger csv|tensorboard|mlflow   log the run (repeatable; mnist-events, mnist-structured)
          --log-dir DIR          where the loggers write, DIR/<frontend>-<model>/version_N (logs)
          --export-onnx FILE     export the best checkpoint's model (else the final one) as ONNX
          --profile              time every step, handler and hook (mnist-events, mnist-structured): a table at
                                 the end, LOGDIR/<frontend>-<model>-profile.json and -trace.json (Perfetto)
          --validations-per-epoch N   test-set evaluations per epoch for the accuracy curve (4)
          --lr-find              the learning-rate range test before training (mnist-events, mnist-structured;
                                 everything restored after it): its suggestion and plot join the report
          --help                 this text
        """
}

/// A command-line mistake, printed as is.
public struct UsageError: Error, CustomStringConvertible {
    /// The message, printed as is.
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// `--help` was given: print ``RunOptions/usage`` and exit with status 0.
public struct HelpRequested: Error {
    /// The request.
    public init() {}
}
