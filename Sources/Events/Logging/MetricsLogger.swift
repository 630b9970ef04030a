import Foundation
import TensorCore

/// Where logged values go. One small protocol for both frontends: the Events handlers and the
/// Structured trainer write through it, so any logger plugs into either.
public protocol MetricsLogger: AnyObject {
    /// Records `values` at training step `step`.
    func log(_ values: [String: Float], step: Int) throws
    /// Records the run's hyperparameters.
    func logHyperparameters(_ values: [String: String]) throws
    /// Writes anything buffered. The frontends call it at the end of every epoch and of the run.
    func flush() throws
    /// Records the distribution of `values` (weights, gradients) at `step`. Defaults to nothing,
    /// for loggers that keep numbers only.
    func logHistogram(_ name: String, values: Tensor, step: Int) throws
    /// Records `text` (a generated sample) at `step`. Defaults to nothing.
    func logText(_ name: String, text: String, step: Int) throws
    /// Records a metric value with more than one element (a confusion matrix, per-class scores)
    /// at `step`, its shape kept: rows of a matrix stay rows. Defaults to a Markdown table through
    /// ``logText(_:text:step:)`` (TensorBoard's text tab shows it as a table).
    func logTable(_ name: String, values: Tensor, step: Int) throws
    /// Records the run's hyperparameters next to its final `metrics`, for a table of runs (the
    /// HParams plugin, MLflow's run view). Defaults to ``logHyperparameters(_:)``: the metrics were
    /// logged already as they were produced.
    func logHyperparameters(_ values: [String: String], finalMetrics metrics: [String: Float], step: Int) throws
    /// Closes the run: `succeeded` false after an error. Defaults to ``flush()``.
    func finish(succeeded: Bool) throws
    /// Where this run's records are, for a user to find them (a folder, a server's run). Defaults
    /// to an empty string.
    var location: String { get }
}

extension MetricsLogger {
    /// Keeps numbers only: histograms are not recorded.
    public func logHistogram(_ name: String, values: Tensor, step: Int) throws {}
    /// Keeps numbers only: text is not recorded.
    public func logText(_ name: String, text: String, step: Int) throws {}
    /// A Markdown table through ``logText(_:text:step:)``.
    public func logTable(_ name: String, values: Tensor, step: Int) throws {
        try logText(name, text: markdownTable(values), step: step)
    }
    /// The hyperparameters through ``logHyperparameters(_:)``.
    public func logHyperparameters(_ values: [String: String], finalMetrics metrics: [String: Float], step: Int) throws {
        try logHyperparameters(values)
    }
    /// Writes what is buffered.
    public func finish(succeeded: Bool) throws { try flush() }
    /// No location.
    public var location: String { "" }

    /// Logs `values(engine)` at the engine's iteration whenever `trigger` fires (rank 0 only).
    /// Also flushes at each epoch's end and finishes the run with the engine
    /// (``attachFlushing(to:)``).
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, at trigger: Trigger,
                             values: @escaping (Engine<B, O>) -> [String: Float]) -> HandlerRegistration {
        attachFlushing(to: engine)
        return engine.on(trigger, named: "\(Self.self)") { engine in
            guard engine.communicator.isMain else { return }
            try self.log(values(engine), step: engine.state.iteration)
        }
    }
}

/// Writes metrics as CSV in Lightning's layout: `root/name/version_N/metrics.csv` (a `step`
/// column, then one column per key, rewritten when a new key appears) and `hparams.yaml`, with
/// `N` the first unused version number.
///
/// Nothing touches the disk until the first write, and the version is chosen then, as
/// Lightning's rank-zero experiment: a logger made on every rank of a data-parallel job writes
/// (and creates folders) on rank 0 only, where the frontends log.
///
/// ```swift
/// let logger = try CSVLogger(root: "logs", name: "mnist")
/// logger.attach(to: trainer, at: .epochCompleted) { ["train_loss": $0.state.metrics["train_loss"]!] }
/// ```
public final class CSVLogger: MetricsLogger {
    /// The version folder this logger writes into (chosen at the first access or write).
    public private(set) lazy var directory: String = "\(parent)/version_\(version ?? nextLogVersion(in: parent))"
    private let parent: String
    private let version: Int?
    private var isCreated = false
    private var columns: [String] = []
    private var rows: [(step: Int, values: [String: Float])] = []

    /// A logger under `root/name`; `version` nil takes the first unused number at the first write.
    public init(root: String, name: String = "default", version: Int? = nil) throws {
        parent = "\(root)/\(name)"
        self.version = version
    }

    /// The version folder, created at the first write.
    private func createdDirectory() throws -> String {
        if !isCreated {
            try createFolder(directory, purpose: "log folder")
            isCreated = true
        }
        return directory
    }

    /// The version folder (`metrics.csv`, `hparams.yaml`).
    public var location: String { directory }

    /// Adds a row at `step` (a new key adds a column; the file is rewritten) and writes the file.
    public func log(_ values: [String: Float], step: Int) throws {
        for key in values.keys.sorted() where !columns.contains(key) { columns.append(key) }
        rows.append((step, values))
        try flush()
    }

    /// Writes `hparams.yaml` in the version folder.
    public func logHyperparameters(_ values: [String: String]) throws {
        let yaml = values.keys.sorted().map { "\($0): \(values[$0]!)" }.joined(separator: "\n") + "\n"
        try writeAtomically(Array(yaml.utf8), to: "\(try createdDirectory())/hparams.yaml")
    }

    /// Writes the table as `tables/<name>-step<step>.csv` in the version folder: one line per
    /// row of a matrix (one line for a vector), no header.
    public func logTable(_ name: String, values: Tensor, step: Int) throws {
        let folder = "\(try createdDirectory())/tables"
        try createFolder(folder, purpose: "log folder")
        try writeAtomically(Array(csvTable(values).utf8), to: "\(folder)/\(name.replacingOccurrences(of: "/", with: "_"))-step\(step).csv")
    }

    /// Writes `metrics.csv` with every row so far (atomically).
    public func flush() throws {
        var text = (["step"] + columns).joined(separator: ",") + "\n"
        for row in rows {
            text += ([String(row.step)] + columns.map { row.values[$0].map { "\($0)" } ?? "" }).joined(separator: ",") + "\n"
        }
        try writeAtomically(Array(text.utf8), to: "\(try createdDirectory())/metrics.csv")
    }
}

/// A vector's values as one row, a matrix's as its rows (higher ranks: the last axis per row).
func tableRows(_ values: Tensor) -> [[Float]] {
    let width = values.shape.last ?? 1, scalars = values.scalars
    return stride(from: 0, to: scalars.count, by: max(width, 1)).map { Array(scalars[$0..<min($0 + width, scalars.count)]) }
}

/// `values` as CSV text: one line per row, no header.
func csvTable(_ values: Tensor) -> String {
    tableRows(values).map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
}

/// `values` as a Markdown table: a header of column indices, a row index first in every row.
func markdownTable(_ values: Tensor) -> String {
    let rows = tableRows(values), columns = rows.first?.count ?? 0
    var lines = ["| | " + (0..<columns).map(String.init).joined(separator: " | ") + " |", "|---|" + String(repeating: "---|", count: columns)]
    for (index, row) in rows.enumerated() { lines.append("| \(index) | " + row.map { "\($0)" }.joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
}

/// The first unused `version_N` number under `root/name`: give it as `version` to every file
/// logger of one run (CSV and TensorBoard), so that the run's metrics and event file share one
/// folder instead of taking a number each.
///
/// ```swift
/// let version = nextLogVersion(root: "runs", name: "cnn")
/// let loggers: [any MetricsLogger] = [try CSVLogger(root: "runs", name: "cnn", version: version),
///                                     try TensorBoardLogger(root: "runs", name: "cnn", version: version)]
/// ```
public func nextLogVersion(root: String, name: String) -> Int {
    nextLogVersion(in: "\(root)/\(name)")
}

/// The first unused `version_N` number in `parent` (Lightning's rule for a new run's folder).
func nextLogVersion(in parent: String) -> Int {
    let existing = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
    let numbers = existing.compactMap { $0.hasPrefix("version_") ? Int($0.dropFirst(8)) : nil }
    return (numbers.max() ?? -1) + 1
}
