import Foundation
import TensorCore

/// Runs a step function over batches for a number of epochs, firing events that handlers
/// (metrics, checkpoints, progress, early stopping, the Structured frontend's hooks) act on.
/// The one training loop of the package.
///
/// The engine knows nothing about models: the step does the work and returns an output, which
/// the engine keeps in ``EngineState/output``.
///
/// ```swift
/// let trainer = Engine { (engine, batch: LabeledBatch) -> Float in
///     let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
///     optimizer.zeroGradients()
///     loss.backward()
///     optimizer.step()
///     return loss.scalar
/// }
/// trainer.on(.iterationCompleted(every: 100)) { engine in print(engine.state.output!) }
/// try trainer.run(loader, maxEpochs: 5)
/// ```
///
/// Handlers of one event run in the order they were registered. ``terminate()`` stops after the
/// current iteration (firing `terminate`, `epochCompleted`, `completed`); ``terminateEpoch()``
/// ends the current epoch only. An error from the step or a handler goes to the
/// ``onError(_:)`` handlers, then propagates unless one of them reports it handled.
public final class Engine<Batch, Output> {
    /// The work done per batch.
    public typealias Step = (Engine, Batch) throws -> Output

    private let step: Step
    /// Where the run stands.
    public let state = EngineState<Batch, Output>()
    /// The processes this engine runs in (one by default). Attached metrics compute over it, and
    /// handlers that write files or print act on its rank 0 only.
    public var communicator: any Communicator = SingleProcessCommunicator()
    /// The optimization step this engine's step function uses, if any: its accumulation window
    /// is saved with the engine's position (``checkpointEntries``) and restored with it.
    public var optimization: OptimizationStep?

    /// Times every step, data fetch and handler of this engine's runs when set (see ``RunProfiler``).
    public var profiler: RunProfiler?
    /// The engine's name in a profile (`trainer`, `evaluator`): its spans read `name step`.
    public var name: String?
    /// Changed only by taking it out, changing the copy and putting it back: with no change
    /// made in place, the compiler proves every access exclusive and drops the run-time check
    /// from each of a batch's four reads (the same holds for the other variables read every
    /// batch that say so).
    private var handlers = HandlerTable()
    private var errorHandlers: [(id: Int, action: (Engine, Error) throws -> Bool)] = []
    private var nextHandlerID = 0
    private var terminateRequested = false
    private var interruptRequested = false
    /// Where a run paused on ``interrupt()`` stands: the next `run` continues it without firing
    /// `started` (nor `epochStarted`, when it paused inside an epoch), as if it had never stopped.
    private enum Pause { case none, betweenEpochs, midEpoch }
    private var pause = Pause.none
    private var terminateEpochRequested = false

    /// An engine that runs `step` on each batch.
    public init(_ step: @escaping Step) {
        self.step = step
    }

    // MARK: Handlers

    /// Runs `action` whenever `trigger` fires. Returns a registration that removes it. `name`
    /// labels the handler in a ``profiler``'s table (unnamed ones show as `event #id`).
    @discardableResult
    public func on(_ trigger: Trigger, named name: String? = nil, perform action: @escaping (Engine) throws -> Void) -> HandlerRegistration {
        let id = nextID()
        // Unowned: the engine owns its handlers, so none outlives it.
        let run = { [unowned self] in try action(self) }
        var table = handlers
        handlers = HandlerTable()   // the copy's storage stays unique: no copy on change
        for clause in trigger.clauses {
            table.append(HandlerTable.Handler(id: id, clause: clause, name: name, run: run), for: clause.kind)
        }
        handlers = table
        return HandlerRegistration { [weak self] in
            guard let self else { return }
            var table = self.handlers
            self.handlers = HandlerTable()
            table.remove(id: id)
            self.handlers = table
        }
    }

    /// Runs `action` when the step or a handler throws. Return `true` when the error is handled
    /// (the run then ends quietly); if no handler returns `true`, `run` rethrows the error.
    @discardableResult
    public func onError(_ action: @escaping (Engine, Error) throws -> Bool) -> HandlerRegistration {
        let id = nextID()
        errorHandlers.append((id, action))
        return HandlerRegistration { [weak self] in self?.errorHandlers.removeAll { $0.id == id } }
    }

    /// Whether any handler is registered for `kind`.
    public func hasHandlers(for kind: EventKind) -> Bool { !handlers[kind].isEmpty }

    private func nextID() -> Int {
        defer { nextHandlerID += 1 }
        return nextHandlerID
    }

    /// Fires `kind` now: runs its handlers whose filters pass. The step fires custom events this way.
    public func fire(_ kind: EventKind) throws {
        let registered = handlers[kind]
        guard !registered.isEmpty else { return }
        let count = kind.countsEpochs ? state.epoch : state.iteration
        let outer = state.activity
        state.activity = kind.description
        defer { state.activity = outer }
        // A copy: handlers may register or remove handlers while running.
        for handler in registered where handler.clause.matches(count) {
            if let profiler {
                try profiler.measure(handler.name.map { "\($0) (\(kind))" } ?? "\(kind) #\(handler.id)", category: .handler) { try handler.run() }
            } else {
                try handler.run()
            }
        }
    }

    // MARK: Control

    /// Stops the run after the current iteration.
    public func terminate() { terminateRequested = true }

    /// Whether ``terminate()`` was called in this run: handlers of the last iteration see it.
    public var isTerminating: Bool { terminateRequested }

    /// Pauses the run after the current iteration (Ignite 0.5's `interrupt`): `run` fires
    /// `interrupt` and returns, with neither `epochCompleted` nor `completed`. The next `run` on
    /// the same data resumes at the next batch, without firing `started` or `epochStarted` again,
    /// so handlers and the weights see the run an uninterrupted one would have. ``terminate()``,
    /// by contrast, ends the run and fires `epochCompleted` and `completed`.
    public func interrupt() { interruptRequested = true }

    /// Ends the current epoch after the current iteration; the run goes on with the next epoch.
    public func terminateEpoch() { terminateEpochRequested = true }

    // MARK: Running

    /// Runs the step over `data` until `maxEpochs` epochs are done (or ``terminate()``).
    ///
    /// A finished (or fresh) engine starts from epoch 1. An engine whose position was restored
    /// from a checkpoint (``restore(from:)``), or that was terminated, continues from where it
    /// stopped, mid-epoch included, on exactly the batches an uninterrupted run would have seen.
    ///
    /// - Parameters:
    ///   - epochLength: batches per epoch; defaults to all of `data`'s.
    /// - Throws: ``EngineError`` for an empty data source or `maxEpochs < 1`; otherwise whatever
    ///   the step or a handler threw, unless an error handler handled it.
    @discardableResult
    public func run<Source: BatchSource>(_ data: Source, maxEpochs: Int = 1, epochLength: Int? = nil) throws -> EngineState<Batch, Output>
    where Source.Batch == Batch {
        guard maxEpochs >= 1 else { throw EngineError.invalidMaxEpochs(maxEpochs) }
        let length = epochLength ?? data.batchesPerEpoch
        guard length >= 1 else { throw EngineError.emptyData }
        guard length <= data.batchesPerEpoch else {
            throw EngineError.epochLengthTooLong(requested: length, available: data.batchesPerEpoch)
        }
        if state.isFinished || state.epochLength == 0 {
            state.iteration = 0
            state.epoch = 0
        } else if state.epochLength != length {
            throw EngineError.epochLengthChanged(saved: state.epochLength, requested: length)
        }
        state.epochLength = length
        state.maxEpochs = maxEpochs
        state.isFinished = false
        terminateRequested = false
        terminateEpochRequested = false
        interruptRequested = false
        let resuming = pause
        pause = .none
        let runStart = DispatchTime.now().uptimeNanoseconds
        // Saturates: `maxEpochs: Int.max` means "until terminated", not an overflow.
        let (product, overflow) = maxEpochs.multipliedReportingOverflow(by: length)
        let totalIterations = overflow ? Int.max : product
        // A rank that exits while others wait in a collective must abort the job (see Distributed).
        let distributed = communicator.worldSize > 1
        if distributed { TrainingActivity.begin() }
        defer { if distributed { TrainingActivity.end() } }
        do {
            // One scope for the run: errors that depend on the data (a batch of one in BatchNorm,
            // a label out of range) are recorded by the operation and thrown after the step.
            try throwingDataErrors {
                if resuming == .none { try fire(.started) }
                var continuesEpoch = resuming == .midEpoch
                while state.iteration < totalIterations && !terminateRequested && !interruptRequested {
                    try runEpoch(data, length: length, continuing: continuesEpoch)
                    continuesEpoch = false
                }
                // A pause before the run's end; at its end (or with terminate) the run completes.
                if interruptRequested && !terminateRequested && state.iteration < totalIterations {
                    interruptRequested = false
                    pause = state.iteration % length == 0 ? .betweenEpochs : .midEpoch
                    try fire(.interrupt)
                } else {
                    if !terminateRequested { state.isFinished = true }
                    state.times[.completed] = Double(DispatchTime.now().uptimeNanoseconds - runStart) / 1e9
                    try fire(.completed)
                }
            }
        } catch {
            try handle(error)
        }
        return state
    }

    /// Gives a run's error to the error handlers; rethrows it unless one of them handled it.
    private func handle(_ error: Error) throws {
        state.error = error
        state.activity = "error"
        defer { state.error = nil; state.activity = "idle" }
        var handled = false
        for handler in errorHandlers {
            if try handler.action(self, error) { handled = true }
        }
        if !handled {
            // The other ranks would wait in their next collective forever: stop the job.
            if communicator.worldSize > 1 { communicator.abortJob(reason: "\(error)") }
            throw error
        }
    }

    /// One epoch, or the rest of one when resuming (`continuing`: after an interrupt, whose
    /// epoch already started).
    private func runEpoch<Source: BatchSource>(_ data: Source, length: Int, continuing: Bool) throws where Source.Batch == Batch {
        let epochIndex = state.iteration / length
        let position = state.iteration % length
        state.epoch = epochIndex + 1
        state.iterationInEpoch = position
        let epochStart = DispatchTime.now().uptimeNanoseconds
        if !continuing { try fire(.epochStarted) }
        let batches = data.makeBatches(epoch: epochIndex, startingAt: position)
        while state.iterationInEpoch < length {
            try fire(.batchFetchStarted)
            let next = profiler.map { profiler in profiler.measure(name.map { "\($0) data" } ?? "data", category: .data) { batches.next() } } ?? batches.next()
            guard let batch = next else { throw EngineError.dataEndedEarly(epoch: state.epoch, batches: state.iterationInEpoch) }
            state.batch = batch
            try fire(.batchFetchCompleted)
            state.iteration += 1
            state.iterationInEpoch += 1
            try fire(.iterationStarted)
            state.activity = "step"
            if let profiler {
                state.output = try profiler.measure(name.map { "\($0) step" } ?? "step", category: .step) { try step(self, batch) }
            } else {
                state.output = try step(self, batch)
            }
            state.activity = "idle"
            try throwPendingDataError()   // to the error handlers, naming the layer
            try fire(.iterationCompleted)
            if terminateRequested || terminateEpochRequested || interruptRequested { break }
        }
        // A pause inside the epoch leaves it open: no epochCompleted, the position stays for `run`.
        if interruptRequested && !terminateRequested && state.iterationInEpoch < length { return }
        if terminateEpochRequested {
            terminateEpochRequested = false
            try fire(.terminateSingleEpoch)
            // The epoch's remaining batches are skipped: the next epoch starts at its beginning.
            state.iteration = state.epoch * length
        }
        if terminateRequested { try fire(.terminate) }
        state.times[.epochCompleted] = Double(DispatchTime.now().uptimeNanoseconds - epochStart) / 1e9
        try fire(.epochCompleted)
    }

    // MARK: Checkpoints

    /// The run's position, for a checkpoint's extra entries (see ``TrainingCheckpoint``): the
    /// iteration, and the optimization step's open accumulation window.
    public var checkpointEntries: [String: String] {
        var entries: [String: String] = [:]
        entries.store(state.position)
        if let optimization { entries.store(optimization.window) }
        return entries
    }

    /// Whether a checkpoint taken now must hold the gradients of an unfinished accumulation
    /// window (pass it as `includesGradients` to ``TrainingCheckpoint``).
    public var needsGradientsInCheckpoint: Bool { optimization?.isWindowOpen ?? false }

    /// Restores a position saved with ``checkpointEntries``: the next ``run(_:maxEpochs:epochLength:)``
    /// continues from it.
    /// - Throws: ``EngineError/invalidCheckpoint(_:)`` when the position is missing or
    ///   impossible; ``CheckpointError`` when it was written with another layout.
    public func restore(from entries: [String: String]) throws {
        guard let position = try entries.component(EnginePosition.self) else {
            throw EngineError.invalidCheckpoint("the checkpoint holds no engine position")
        }
        let length = position.epochLength, iteration = position.iteration, maxEpochs = position.maxEpochs
        guard length >= 1, iteration >= 0, maxEpochs >= 1 else {
            throw EngineError.invalidCheckpoint("impossible position: \(iteration) iterations, \(maxEpochs) epochs of \(length) batches")
        }
        let (total, overflow) = maxEpochs.multipliedReportingOverflow(by: length)
        guard overflow || iteration <= total else {
            throw EngineError.invalidCheckpoint("iteration \(iteration) is past the run's \(maxEpochs) epochs of \(length) batches")
        }
        if let optimization { try optimization.restore(try entries.component(OptimizationStep.Window.self) ?? OptimizationStep.Window()) }
        state.epochLength = length
        state.iteration = iteration
        state.maxEpochs = maxEpochs
        // The epoch in progress (1-based) when restored mid-epoch, the last one done otherwise.
        state.epoch = (iteration + length - 1) / length
        state.iterationInEpoch = state.epoch == 0 ? 0 : iteration - (state.epoch - 1) * length
        state.isFinished = position.isFinished
    }
}

/// Removes a handler registered with ``Engine/on(_:perform:)`` or ``Engine/onError(_:)``.
public final class HandlerRegistration {
    private var removal: (() -> Void)?
    init(_ removal: @escaping () -> Void) { self.removal = removal }

    /// Removes the handler; later calls do nothing.
    public func remove() {
        removal?()
        removal = nil
    }
}

/// Problems with how an engine is run.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case emptyData
    case invalidMaxEpochs(Int)
    case epochLengthTooLong(requested: Int, available: Int)
    case epochLengthChanged(saved: Int, requested: Int)
    case dataEndedEarly(epoch: Int, batches: Int)
    case invalidCheckpoint(String)
    /// Several processes were asked to share data of this type, which cannot be split.
    case unshardableData(String)
    /// A resume point found no checkpoint; says which and where it looked.
    case noCheckpoint(String)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case .emptyData: "the data source has no batches"
        case .invalidMaxEpochs(let value): "maxEpochs must be at least 1, got \(value)"
        case let .epochLengthTooLong(requested, available): "epoch length \(requested) exceeds the \(available) batches the data holds"
        case let .epochLengthChanged(saved, requested): "the restored run has \(saved) batches per epoch, this data \(requested); resume with the same data"
        case let .dataEndedEarly(epoch, batches): "the data ran out after \(batches) batches of epoch \(epoch)"
        case .invalidCheckpoint(let detail): "not an engine checkpoint: \(detail)"
        case .unshardableData(let type): "data parallelism needs data that can be sharded (a DataLoader), got \(type)"
        case .noCheckpoint(let detail): detail
        }
    }
}
