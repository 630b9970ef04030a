import Foundation
import TensorCore

/// Writes a run for TensorBoard: scalars, histograms, text and the HParams table, into an event
/// file in Lightning's layout, `<root>/<name>/version_N/events.out.tfevents.…`.
///
/// Records are buffered and written at every ``flush()``, which both frontends call at the end of
/// each epoch and of the run: a killed run loses at most its last epoch, and the file still reads.
/// Nothing touches the disk before the first record, so a logger made on every rank of a
/// data-parallel job writes on rank 0 only, where the frontends log.
///
/// ```swift
/// // Structured
/// let trainer = Trainer(maxEpochs: 3)
/// trainer.loggers = [try TensorBoardLogger(root: "runs", name: "mnist")]
///
/// // Events: scalars every 50 iterations, weight histograms each epoch
/// let board = try TensorBoardLogger(root: "runs", name: "mnist")
/// board.attach(to: trainer, at: .iterationCompleted(every: 50)) { ["train_loss": $0.state.output!] }
/// board.attachHistograms(of: model, to: trainer)
/// ```
///
/// Run `tensorboard --logdir runs` to see it.
public final class TensorBoardLogger: MetricsLogger {
    /// The version folder this logger writes into (chosen at the first access or write).
    public private(set) lazy var directory: String = "\(parent)/version_\(version ?? nextLogVersion(in: parent))"
    private let parent: String
    private let version: Int?
    private var writer: EventFileWriter?
    private var hyperparameters: [String: String] = [:]
    /// Tags written as scalars so far: a final metric is written again only when it is new.
    private var scalarTags: Set<String> = []

    /// A logger under `root/name`; `version` nil takes the first unused number at the first write.
    public init(root: String, name: String = "default", version: Int? = nil) throws {
        parent = "\(root)/\(name)"
        self.version = version
    }

    /// The version folder to give `tensorboard --logdir`.
    public var location: String { directory }

    /// The event file, once something was logged.
    public var eventFilePath: String? { writer?.path }

    private func eventFile() throws -> EventFileWriter {
        if let writer { return writer }
        let created = try EventFileWriter(folder: directory)
        writer = created
        return created
    }

    /// Records every value of `values` as a scalar at `step`.
    public func log(_ values: [String: Float], step: Int) throws {
        guard !values.isEmpty else { return }
        scalarTags.formUnion(values.keys)
        try eventFile().append(TensorBoardSummary.event(step: step, values: values.keys.sorted().map { TensorBoardSummary.scalar($0, values[$0]!) }))
    }

    /// Records a histogram of `values` at `step` (TensorFlow's default bucket layout).
    public func logHistogram(_ name: String, values: Tensor, step: Int) throws {
        try eventFile().append(TensorBoardSummary.event(step: step, values: [TensorBoardSummary.histogram(name, values.scalars)]))
    }

    /// Records `text` at `step` for the text plugin.
    public func logText(_ name: String, text: String, step: Int) throws {
        try eventFile().append(TensorBoardSummary.event(step: step, values: [TensorBoardSummary.text(name, text)]))
    }

    /// Keeps the hyperparameters; they reach the HParams table with the final metrics
    /// (``logHyperparameters(_:finalMetrics:step:)``), or with none at ``finish(succeeded:)``.
    public func logHyperparameters(_ values: [String: String]) throws {
        hyperparameters.merge(values) { _, new in new }
    }

    /// Writes the HParams experiment and session with `values` and `metrics`, and as scalars at
    /// `step` those metrics that were never logged, so the HParams table shows every one.
    public func logHyperparameters(_ values: [String: String], finalMetrics metrics: [String: Float], step: Int) throws {
        hyperparameters.merge(values) { _, new in new }
        let file = try eventFile()
        file.append(TensorBoardSummary.event(step: 0, values: [HParamsSummary.experiment(hyperparameters: hyperparameters, metrics: Array(metrics.keys))]))
        file.append(TensorBoardSummary.event(step: 0, values: [HParamsSummary.sessionStart(hyperparameters: hyperparameters)]))
        try log(metrics.filter { !scalarTags.contains($0.key) }, step: step)
        hyperparametersWritten = true
    }

    private var hyperparametersWritten = false

    /// Appends the buffered records to the event file and syncs it.
    public func flush() throws {
        try writer?.flush()
    }

    private var isFinished = false

    /// Ends the HParams session with its status and flushes; later calls only flush.
    public func finish(succeeded: Bool) throws {
        guard !isFinished else { return try flush() }
        isFinished = true
        if !hyperparametersWritten, !hyperparameters.isEmpty {
            try logHyperparameters([:], finalMetrics: [:], step: 0)
        }
        if hyperparametersWritten {
            try eventFile().append(TensorBoardSummary.event(step: 0, values: [HParamsSummary.sessionEnd(succeeded: succeeded)]))
        }
        try flush()
    }
}
