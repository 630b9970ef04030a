import TensorCore

/// Where logged values go once a step or an epoch has produced them: the latest value of every
/// name (what monitoring handlers read), the progress bar's share, and the loggers, written by
/// the main process only, step values every ``everySteps`` steps and epoch values always.
///
/// The Structured Trainer publishes through one of these (its `callbackMetrics` are
/// ``latest``); Events programs attach one with ``LoggedValues/attach(to:publisher:)``.
///
/// ```swift
/// let logged = LoggedValues(), publisher = LogPublisher(loggers: [csv], everySteps: 50)
/// logged.attach(to: trainer, publisher: publisher)
/// // in the step: logged.log("loss", loss.scalar, options: .init(onStep: true, onEpoch: true))
/// ```
public final class LogPublisher {
    /// Where values are written (by the main process). Setting it starts a new record of
    /// ``loggedKeys``.
    public var loggers: [any MetricsLogger] {
        didSet { loggedKeys = [] }
    }
    /// Steps between writes of step values; epoch values are written at every epoch's end.
    public var everySteps: Int
    /// Whether this process writes to the loggers (rank 0 in a data-parallel run).
    public var isMain: Bool
    /// The latest value of every published name.
    public var latest: [String: Float] { shown.latest }
    /// The latest value of every name published for the progress bar.
    public var progressBar: [String: Float] { shown.progressBar }
    /// The latest values, changed every batch. Only ever replaced, never changed in place: the
    /// compiler then proves each access exclusive and drops the run-time check.
    private var shown = Shown()

    private struct Shown {
        var latest: [String: Float] = [:]
        var progressBar: [String: Float] = [:]
    }
    /// Every name written to the loggers so far: what the hyperparameter table lists at the end.
    public private(set) var loggedKeys: Set<String> = []

    /// A publisher writing to `loggers` every `everySteps` steps, from the main process only.
    public init(loggers: [any MetricsLogger] = [], everySteps: Int = 50, isMain: Bool = true) {
        precondition(everySteps >= 1, "LogPublisher: everySteps must be at least 1, got \(everySteps)")
        self.loggers = loggers
        self.everySteps = everySteps
        self.isMain = isMain
    }

    /// Makes `snapshot`'s values the latest without writing them (values a step logged so far,
    /// visible to handlers at once, as in Lightning).
    public func show(_ snapshot: LoggedValues.Snapshot) {
        // Value by value: this runs every batch, and merging a filtered copy allocated a
        // dictionary each time.
        var values = shown
        shown = Shown()   // the copy's storage stays unique: no copy on change
        for entry in snapshot.entries {
            values.latest[entry.key] = entry.value
            if entry.progressBar { values.progressBar[entry.key] = entry.value }
        }
        shown = values
    }

    /// A step's values: shown (unless `showing` is false: the caller showed them all already),
    /// and written with the epoch when `step` is a multiple of ``everySteps``.
    public func publishStep(_ snapshot: LoggedValues.Snapshot, step: Int, epoch: Int, showing: Bool = true) throws {
        guard !snapshot.isEmpty else { return }
        if showing { show(snapshot) }
        if step % everySteps == 0 { try write(snapshot, step: step, epoch: epoch) }
    }

    /// An epoch's values: shown and written with the epoch.
    public func publishEpoch(_ snapshot: LoggedValues.Snapshot, step: Int, epoch: Int) throws {
        show(snapshot)
        try write(snapshot, step: step, epoch: epoch)
    }

    /// One value shown and written at once (a learning rate); a logger's failure is ignored.
    public func record(_ key: String, _ value: Float, step: Int) {
        var values = shown
        shown = Shown()
        LearningRateLogger.record(value, key: key, step: step, into: &values.latest, loggers: loggers, isMain: isMain)
        shown = values
    }

    private func write(_ snapshot: LoggedValues.Snapshot, step: Int, epoch: Int) throws {
        var values = Dictionary(uniqueKeysWithValues: snapshot.entries.lazy.filter(\.logger).map { ($0.key, $0.value) })
        guard !values.isEmpty, isMain else { return }
        loggedKeys.formUnion(values.keys)
        values["epoch"] = Float(epoch)
        for logger in loggers { try logger.log(values, step: step) }
    }

    /// Writes buffered values to disk (a killed run then loses at most what came after).
    public func flush() throws {
        guard isMain else { return }
        for logger in loggers { try logger.flush() }
    }

    /// The run's `hyperparameters` beside the final values of every logged name, then each
    /// logger's end.
    public func finish(hyperparameters: [String: String], step: Int) throws {
        guard isMain else { return }
        let final = latest.filter { loggedKeys.contains($0.key) }
        for logger in loggers {
            if !hyperparameters.isEmpty { try logger.logHyperparameters(hyperparameters, finalMetrics: final, step: step) }
            try logger.finish(succeeded: true)
        }
    }

    /// Ends every logger as failed (after an error), ignoring their own failures.
    public func fail() {
        guard isMain else { return }
        for logger in loggers { try? logger.finish(succeeded: false) }
    }
}

extension LoggedValues {
    /// ``attach(to:)``, and publishes through `publisher`: each iteration's step values (written
    /// every `everySteps` iterations) and each epoch's values, flushed at the epoch's end.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, publisher: LogPublisher) -> [HandlerRegistration] {
        [engine.on(.epochStarted, named: "LoggedValues") { _ in self.reset() },
         engine.on(.iterationCompleted, named: "LogPublisher") { engine in
             try self.publishStepValues(to: publisher, step: engine.state.iteration, epoch: engine.state.epoch - 1)
         },
         engine.on(.epochCompleted, named: "LogPublisher") { engine in
             // Computed once: metric objects reset when their epoch value is taken.
             let epoch = try self.epochValues(over: engine.communicator)
             engine.state.metrics.merge(epoch.values) { _, new in new }
             try publisher.publishEpoch(epoch, step: engine.state.iteration, epoch: engine.state.epoch - 1)
             try publisher.flush()
         }]
    }
}
