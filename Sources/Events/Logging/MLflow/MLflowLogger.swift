import Foundation
import TensorCore

/// Logs a run to an MLflow tracking server through its REST API (MLflow 3's default store is a
/// database behind the server; the file store is deprecated): an experiment (created when
/// missing), a run with its parameters and tags, metrics with their steps in batches, the final
/// status, and artifact files uploaded through the server.
///
/// The server comes from `trackingURI` or the `MLFLOW_TRACKING_URI` environment variable. The
/// run is created at the first call, and a server that is down then is an error. A server that
/// goes away later does not stop training: each request is retried with backoff, then the
/// logger warns once on standard error and drops what follows.
///
/// ```swift
/// let mlflow = try MLflowLogger(experiment: "mnist", runName: "cnn-structured")
/// trainer.loggers = [mlflow]                       // Structured
/// mlflow.attach(to: engine, at: .epochCompleted) { ["loss": $0.state.output!] }   // Events
/// ```
public final class MLflowLogger: MetricsLogger {
    /// The experiment's name.
    public let experiment: String
    /// The run's name.
    public let runName: String
    /// Files uploaded as artifacts when the run finishes (a checkpoint, a report).
    public var artifacts: [String] = []
    private let client: MLflowClient
    private var pending: [[String: Any]] = []
    private var ids: (experiment: String, run: String)?
    private var isBroken = false
    private var isFinished = false

    /// A logger for a new run `runName` in `experiment` on the server at `trackingURI`.
    /// - Throws: ``MLflowError/unavailable(server:reason:)`` when no server is given.
    public init(experiment: String, runName: String, trackingURI: String? = nil, artifacts: [String] = [],
                attempts: Int = 4, timeout: TimeInterval = 10) throws {
        guard let uri = trackingURI ?? ProcessInfo.processInfo.environment["MLFLOW_TRACKING_URI"], let url = URL(string: uri),
              url.scheme == "http" || url.scheme == "https" else {
            throw MLflowError.unavailable(server: trackingURI ?? "(none)", reason: "set MLFLOW_TRACKING_URI to the server's http:// address")
        }
        self.experiment = experiment
        self.runName = runName
        self.artifacts = artifacts
        client = MLflowClient(server: url, attempts: attempts, timeout: timeout)
    }

    /// The experiment and run ids, creating both at the first call.
    /// - Throws: ``MLflowError`` when the server cannot be reached or refuses.
    public func runIdentifiers() throws -> (experiment: String, run: String) {
        if let ids { return ids }
        let experimentID: String
        let quoted = experiment.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? experiment
        do {
            let found = try client.request("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=\(quoted)")
            experimentID = (found["experiment"] as? [String: Any])?["experiment_id"] as? String ?? ""
        } catch MLflowError.rejected(_, 404, _) {
            experimentID = try client.request("POST", "/api/2.0/mlflow/experiments/create", json: ["name": experiment])["experiment_id"] as? String ?? ""
        }
        let created = try client.request("POST", "/api/2.0/mlflow/runs/create", json: [
            "experiment_id": experimentID, "run_name": runName, "start_time": Self.now(),
            "tags": [["key": "mlflow.source.name", "value": "SwiftTrain"]],
        ])
        guard let run = ((created["run"] as? [String: Any])?["info"] as? [String: Any])?["run_id"] as? String else {
            throw MLflowError.rejected(path: "/api/2.0/mlflow/runs/create", status: 200, message: "no run id in the answer")
        }
        ids = (experimentID, run)
        return (experimentID, run)
    }

    /// Creates the run now, so that a server that is down stops a program before training
    /// rather than at the first logged value.
    /// - Throws: ``MLflowError`` when the server cannot be reached or refuses.
    @discardableResult
    public func started() throws -> MLflowLogger {
        _ = try runIdentifiers()
        return self
    }

    /// The run on the server, as MLflow's UI addresses it.
    public var location: String {
        guard let ids else { return "\(client.server.absoluteString) (experiment \(experiment))" }
        return "\(client.server.absoluteString)/#/experiments/\(ids.experiment)/runs/\(ids.run)"
    }

    /// Whether the server answers its health check.
    public func isServerReady() -> Bool {
        (try? client.request("GET", "/health")) != nil
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Buffers `values` at `step`; they are sent at the next ``flush()``.
    public func log(_ values: [String: Float], step: Int) throws {
        _ = try runIdentifiers()
        let time = Self.now()
        pending += values.keys.sorted().compactMap { key in
            values[key]!.isFinite ? ["key": key, "value": Double(values[key]!), "timestamp": time, "step": step] : nil
        }
    }

    /// Sends the run's parameters (MLflow keeps each once).
    public func logHyperparameters(_ values: [String: String]) throws {
        let run = try runIdentifiers().run
        try deliver {
            let params = values.keys.sorted().map { ["key": $0, "value": String(values[$0]!.prefix(6000))] }
            for start in stride(from: 0, to: params.count, by: 100) {
                _ = try client.request("POST", "/api/2.0/mlflow/runs/log-batch",
                                       json: ["run_id": run, "params": Array(params[start..<min(start + 100, params.count)])])
            }
        }
    }

    /// Sends the buffered metrics, at most 1,000 a request.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        let run = try runIdentifiers().run
        let batch = pending
        pending = []
        try deliver {
            for start in stride(from: 0, to: batch.count, by: 1000) {
                _ = try client.request("POST", "/api/2.0/mlflow/runs/log-batch",
                                       json: ["run_id": run, "metrics": Array(batch[start..<min(start + 1000, batch.count)])])
            }
        }
    }

    /// Uploads the table as the artifact `tables/<name>-step<step>.csv` (one line per row).
    public func logTable(_ name: String, values: Tensor, step: Int) throws {
        let (experimentID, run) = try runIdentifiers()
        let file = "\(name.replacingOccurrences(of: "/", with: "_"))-step\(step).csv"
        try deliver {
            try client.upload("/api/2.0/mlflow-artifacts/artifacts/\(experimentID)/\(run)/artifacts/tables/\(file)", contents: Data(csvTable(values).utf8))
        }
    }

    /// Flushes, uploads ``artifacts``, and ends the run as finished or failed.
    public func finish(succeeded: Bool) throws {
        guard !isFinished else { return }
        isFinished = true
        try flush()
        let (experimentID, run) = try runIdentifiers()
        try deliver {
            for path in artifacts where FileManager.default.fileExists(atPath: path) {
                let name = (path as NSString).lastPathComponent
                try client.upload("/api/2.0/mlflow-artifacts/artifacts/\(experimentID)/\(run)/artifacts/\(name)",
                                  contents: try Data(contentsOf: URL(fileURLWithPath: path)))
            }
            _ = try client.request("POST", "/api/2.0/mlflow/runs/update",
                                   json: ["run_id": run, "status": succeeded ? "FINISHED" : "FAILED", "end_time": Self.now()])
        }
    }

    /// Runs `body` unless the server went away earlier; when it fails now, warns once and
    /// carries on, so that training never stops for its logger.
    private func deliver(_ body: () throws -> Void) throws {
        guard !isBroken else { return }
        do {
            try body()
        } catch let error as MLflowError {
            isBroken = true
            FileHandle.standardError.write(Data("warning: \(error); MLflow logging stops here, training goes on\n".utf8))
        }
    }
}
