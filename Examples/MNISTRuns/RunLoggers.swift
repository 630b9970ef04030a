import Events
import Foundation
import MNISTModels
import TensorCore

/// The loggers a run asked for (`--logger`), under `--log-dir`/<frontend>-<model>/version_N, one N
/// for the run's CSV and TensorBoard files.
func makeLoggers(_ options: RunOptions, frontend: String) throws -> [any MetricsLogger] {
    let name = "\(frontend)-\(options.model.rawValue)"
    let version = nextLogVersion(root: options.logDirectory, name: name)   // one folder for the run's CSV and event files
    return try options.loggers.map { kind -> any MetricsLogger in
        switch kind {
        case .csv: try CSVLogger(root: options.logDirectory, name: name, version: version)
        case .tensorboard: try TensorBoardLogger(root: options.logDirectory, name: name, version: version)
        case .mlflow: try MLflowLogger(experiment: "swifttrain-mnist", runName: name, artifacts: [options.onnxPath].compactMap { $0 }).started()
        }
    }
}

/// The settings that define a run, for the HParams table.
func hyperparameters(_ options: RunOptions) -> [String: String] {
    ["model": options.model.rawValue, "batch_size": String(options.batchSize), "epochs": String(options.epochs),
     "seed": String(options.seed), "optimizer": options.model.optimizerDescription]
}

