import Foundation
import TensorCore

/// Where logged values go. One small protocol for both frontends: the Events handlers and the
/// Structured trainer write through it, so any logger plugs into either.
public protocol MetricsLogger: AnyObject {
    /// Records `values` at training step `step`.
    func log(_ values: [String: Float], step: Int) throws
    /// Records the run's hyperparameters.
    func logHyperparameters(_ values: [String: String]) throws
    /// Writes anything buffered.
    func flush() throws
}

extension MetricsLogger {
    /// Logs `values(engine)` at the engine's iteration whenever `trigger` fires (rank 0 only).
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, at trigger: Trigger,
                             values: @escaping (Engine<B, O>) -> [String: Float]) -> HandlerRegistration {
        engine.on(trigger) { engine in
            guard engine.communicator.isMain else { return }
            try self.log(values(engine), step: engine.state.iteration)
        }
    }
}

/// Writes metrics as CSV in Lightning's layout: `root/name/version_N/metrics.csv` (a `step`
/// column, then one column per key, rewritten when a new key appears) and `hparams.yaml`, with
/// `N` the first unused version number.
///
/// ```swift
/// let logger = try CSVLogger(root: "logs", name: "mnist")
/// logger.attach(to: trainer, at: .epochCompleted) { ["train_loss": $0.state.metrics["train_loss"]!] }
/// ```
public final class CSVLogger: MetricsLogger {
    /// The version folder this logger writes into.
    public let directory: String
    private var columns: [String] = []
    private var rows: [(step: Int, values: [String: Float])] = []

    public init(root: String, name: String = "default", version: Int? = nil) throws {
        let parent = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let chosen = version ?? Self.nextVersion(in: parent)
        directory = "\(parent)/version_\(chosen)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    static func nextVersion(in parent: String) -> Int {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        let numbers = existing.compactMap { $0.hasPrefix("version_") ? Int($0.dropFirst(8)) : nil }
        return (numbers.max() ?? -1) + 1
    }

    public func log(_ values: [String: Float], step: Int) throws {
        for key in values.keys.sorted() where !columns.contains(key) { columns.append(key) }
        rows.append((step, values))
        try flush()
    }

    public func logHyperparameters(_ values: [String: String]) throws {
        let yaml = values.keys.sorted().map { "\($0): \(values[$0]!)" }.joined(separator: "\n") + "\n"
        try writeAtomically(Array(yaml.utf8), to: "\(directory)/hparams.yaml")
    }

    public func flush() throws {
        var text = (["step"] + columns).joined(separator: ",") + "\n"
        for row in rows {
            text += ([String(row.step)] + columns.map { row.values[$0].map { "\($0)" } ?? "" }).joined(separator: ",") + "\n"
        }
        try writeAtomically(Array(text.utf8), to: "\(directory)/metrics.csv")
    }
}
