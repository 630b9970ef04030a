import Metrics
import TensorCore

/// Values logged by name during an epoch (from a step function, a handler or a Structured hook),
/// combined when the epoch ends: weighted mean, sum, max or min, reduced across processes when
/// asked, and metric objects computed over every rank and reset.
///
/// The Structured frontend's `log` writes into one of these; Events users attach one to an
/// engine, and each epoch's values land in ``EngineState/metrics``.
///
/// ```swift
/// let logged = LoggedValues()
/// let trainer = lossTrainer(model: model, optimizer: optimizer) { (batch: LabeledBatch) in
///     let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
///     logged.log("train_loss", loss.scalar, batchSize: batch.count)
///     return (loss, batch.count)
/// }
/// logged.attach(to: trainer)
/// trainer.on(.epochCompleted) { print($0.state.metrics["train_loss"]!) }
/// ```
public final class LoggedValues {
    /// How one name is logged.
    public struct Options: Sendable {
        /// Whether each call's value is kept as a step value (``takeStepValues()``).
        public var onStep: Bool
        /// Whether the calls combine into an epoch value (``epochValues(over:)``).
        public var onEpoch: Bool
        /// How the epoch value combines the calls.
        public var reduction: LogReduction
        /// Whether the value is marked for a progress bar.
        public var progressBar: Bool
        /// Whether the value is marked for the loggers.
        public var logger: Bool
        /// Whether the epoch value is reduced across processes.
        public var synchronized: Bool

        /// Options with these settings; the defaults log an epoch mean for the loggers only.
        public init(onStep: Bool = false, onEpoch: Bool = true, reduction: LogReduction = .mean, progressBar: Bool = false,
                    logger: Bool = true, synchronized: Bool = false) {
            (self.onStep, self.onEpoch, self.reduction) = (onStep, onEpoch, reduction)
            (self.progressBar, self.logger, self.synchronized) = (progressBar, logger, synchronized)
        }
    }

    /// Values and where they go: the progress bar, the loggers, or both.
    public struct Snapshot: Sendable, Equatable {
        /// A value and its destinations.
        struct Value: Sendable, Equatable {
            var value: Float
            var progressBar: Bool
            var logger: Bool
        }

        /// The values with their destinations, in one table: a value logged every batch then
        /// costs one hash of its key, not one per destination.
        private(set) var table: [String: Value] = [:]

        /// The values by key.
        public var values: [String: Float] { table.mapValues(\.value) }
        /// The keys marked for a progress bar.
        public var progressBar: Set<String> { Set(table.lazy.filter(\.value.progressBar).map(\.key)) }
        /// The keys marked for the loggers.
        public var logger: Set<String> { Set(table.lazy.filter(\.value.logger).map(\.key)) }
        /// Whether it holds no values.
        public var isEmpty: Bool { table.isEmpty }

        mutating func insert(_ key: String, _ value: Float, options: Options) {
            table[key] = Value(value: value, progressBar: options.progressBar, logger: options.logger)
        }

        /// Empty, keeping the storage for the next values.
        mutating func removeAllKeepingCapacity() {
            table.removeAll(keepingCapacity: true)
        }
    }

    private struct Entry {
        var options: Options
        /// The key of its step values: `name`, or `name_step` when also logged per epoch.
        /// Made once, at the first call: a name is logged every batch.
        var stepKey: String
        var total = 0.0, weight = 0.0, extreme: Double?
        var metric: (any Metric)?

        init(_ name: String, options: Options) {
            self.options = options
            stepKey = options.onStep && options.onEpoch ? "\(name)_step" : name
        }

        mutating func add(_ value: Double, batchSize: Int) {
            switch options.reduction {
            case .mean: (total, weight) = (total + value * Double(batchSize), weight + Double(batchSize))
            case .sum: (total, weight) = (total + value, 1)
            case .max: (extreme, weight) = (Swift.max(extreme ?? -.infinity, value), 1)
            case .min: (extreme, weight) = (Swift.min(extreme ?? .infinity, value), 1)
            }
        }
    }
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var step = Snapshot()
    /// Step values logged in this object's life: compared before and after some work, it tells
    /// whether values came in between (a frontend that showed the step values then knows
    /// whether to show them again).
    public private(set) var stepValuesLogged = 0

    /// No values yet.
    public init() {}

    /// Records `value` under `name`. A name logged both per step and per epoch gives two keys,
    /// `name_step` and `name_epoch` (Lightning's rule); the mean weighs each call by `batchSize`.
    /// A name keeps the options of its first call in an epoch.
    public func log(_ name: String, _ value: Float, options: Options = Options(), batchSize: Int = 1) {
        // One lookup, changing the entry in place.
        let logged: (stepKey: String, options: Options)? = modifyEntry(name, options) { entry in
            entry.add(Double(value), batchSize: batchSize)
            return entry.options.onStep ? (entry.stepKey, entry.options) : nil
        }
        if let logged {
            step.insert(logged.stepKey, value, options: logged.options)
            stepValuesLogged += 1
        }
    }

    /// Calls `body` on the entry of `name`, registered with `options` if new.
    private func modifyEntry<T>(_ name: String, _ options: Options, _ body: (inout Entry) -> T) -> T {
        body(&entries[name, default: register(name, options)])
    }

    /// Records a metric object under `name`: at the end of the epoch it is computed over every
    /// rank and reset (the caller updates it).
    public func log(_ name: String, metric: any Metric, progressBar: Bool = false, logger: Bool = true) {
        modifyEntry(name, Options(progressBar: progressBar, logger: logger)) { $0.metric = metric }
    }

    private func register(_ name: String, _ options: Options) -> Entry {
        order.append(name)
        return Entry(name, options: options)
    }

    /// The step values logged since the last call, which clears them.
    public func takeStepValues() -> Snapshot {
        defer { step = Snapshot() }
        return step
    }

    /// The step values logged since the last ``takeStepValues()``, left in place.
    public var pendingStepValues: Snapshot { step }

    /// Publishes the step values logged since the last call (``LogPublisher/publishStep(_:step:epoch:showing:)``)
    /// and clears them. Unlike ``takeStepValues()`` the next step's values reuse their storage:
    /// a step's few values would otherwise allocate a dictionary and two sets every batch.
    public func publishStepValues(to publisher: LogPublisher, step: Int, epoch: Int, showing: Bool = true) throws {
        defer { self.step.removeAllKeepingCapacity() }
        try publisher.publishStep(self.step, step: step, epoch: epoch, showing: showing)
    }

    /// The epoch values (`name`, or `name_epoch` for names also logged per step), reduced across
    /// the processes of `communicator` where asked. Logged metric objects are computed and reset.
    /// - Throws: what a metric's computation or the communicator throws.
    public func epochValues(over communicator: any Communicator) throws -> Snapshot {
        var snapshot = Snapshot()
        for name in order {
            guard let entry = entries[name], entry.options.onEpoch else { continue }
            let key = entry.options.onStep ? "\(name)_epoch" : name
            snapshot.insert(key, try epochValue(entry, communicator: communicator), options: entry.options)
        }
        return snapshot
    }

    private func epochValue(_ entry: Entry, communicator: any Communicator) throws -> Float {
        if let metric = entry.metric {
            defer { metric.reset() }
            return try (communicator.worldSize > 1 ? metric.compute(over: communicator) : metric.compute()).scalar
        }
        let reduction = entry.options.reduction
        var pair: [Double] = reduction == .mean || reduction == .sum ? [entry.total, entry.weight] : [entry.extreme ?? .nan, 1]
        if entry.options.synchronized {
            let operation: ReductionOperation = reduction == .max ? .max : reduction == .min ? .min : .sum
            try communicator.allReduce(&pair, operation: operation)
        }
        return Float(reduction == .mean ? pair[0] / pair[1] : pair[0])
    }

    /// Forgets every name and value: the start of a new epoch or stage.
    public func reset() {
        entries = [:]
        order = []
        step = Snapshot()
    }

    /// Resets at the start of every epoch of `engine` and, at its end, writes the epoch values
    /// into `engine.state.metrics` (reduced over the engine's communicator).
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> [HandlerRegistration] {
        [engine.on(.epochStarted, named: "LoggedValues") { _ in self.reset() },
         engine.on(.epochCompleted, named: "LoggedValues") { engine in
             engine.state.metrics.merge(try self.epochValues(over: engine.communicator).values) { _, new in new }
         }]
    }
}
