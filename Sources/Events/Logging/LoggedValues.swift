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
        struct Value: Sendable {
            let key: String
            var value: Float
            var progressBar: Bool
            var logger: Bool
        }

        /// The values with their destinations, one per key, in the order first inserted. A step logs a few,
        /// so a search of this array costs less than hashing the key: logging a value every
        /// batch hashes nothing here.
        private(set) var entries: [Value] = []

        /// The values by key.
        public var values: [String: Float] { Dictionary(uniqueKeysWithValues: entries.lazy.map { ($0.key, $0.value) }) }
        /// The keys marked for a progress bar.
        public var progressBar: Set<String> { Set(entries.lazy.filter(\.progressBar).map(\.key)) }
        /// The keys marked for the loggers.
        public var logger: Set<String> { Set(entries.lazy.filter(\.logger).map(\.key)) }
        /// Whether it holds no values.
        public var isEmpty: Bool { entries.isEmpty }

        mutating func insert(_ key: String, _ value: Float, options: Options) {
            let new = Value(key: key, value: value, progressBar: options.progressBar, logger: options.logger)
            if let index = entries.firstIndex(where: { $0.key == key }) { entries[index] = new } else { entries.append(new) }
        }

        /// Empty, keeping the storage for the next values.
        mutating func removeAllKeepingCapacity() {
            entries.removeAll(keepingCapacity: true)
        }

        /// The same values with the same destinations, in any order.
        public static func == (lhs: Snapshot, rhs: Snapshot) -> Bool {
            lhs.values == rhs.values && lhs.progressBar == rhs.progressBar && lhs.logger == rhs.logger
        }
    }

    private struct Entry {
        let name: String
        var options: Options
        /// The key of its step values: `name`, or `name_step` when also logged per epoch.
        /// Made once, at the first call: a name is logged every batch.
        var stepKey: String
        var total = 0.0, weight = 0.0, extreme: Double?
        var metric: (any Metric)?

        init(_ name: String, options: Options) {
            self.name = name
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
    /// The names' entries in the order first logged, found through ``indexByName`` or, for
    /// the name logged after the previous one as in every step, right after it. It and the
    /// step values are only ever replaced, never changed in place through a call: the compiler
    /// then proves each access exclusive and drops the run-time check from every `log`.
    private var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]
    private var lastIndex = -1
    private var step = Snapshot()
    /// Step values logged in this object's life: compared before and after some work, it tells
    /// whether values came in between (a frontend that showed the step values then knows
    /// whether to show them again).
    public var stepValuesLogged: Int { stepValuesCount }
    private var stepValuesCount = 0

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
            var values = step
            step = Snapshot()
            values.insert(logged.stepKey, value, options: logged.options)
            step = values
            stepValuesCount += 1
        }
    }

    /// Calls `body` on the entry of `name`, registered with `options` if new.
    private func modifyEntry<T>(_ name: String, _ options: Options, _ body: (inout Entry) -> T) -> T {
        // A step logs its names in the same order every batch: try the one after the last.
        var index = lastIndex + 1 < entries.count ? lastIndex + 1 : 0
        if !(index < entries.count && entries[index].name == name) {
            index = indexByName[name] ?? register(name, options)
        }
        lastIndex = index
        var all = entries
        entries = []   // the copy's storage stays unique: no copy on change
        defer { entries = all }
        return body(&all[index])
    }

    /// Records a metric object under `name`: at the end of the epoch it is computed over every
    /// rank and reset (the caller updates it).
    public func log(_ name: String, metric: any Metric, progressBar: Bool = false, logger: Bool = true) {
        modifyEntry(name, Options(progressBar: progressBar, logger: logger)) { $0.metric = metric }
    }

    private func register(_ name: String, _ options: Options) -> Int {
        indexByName[name] = entries.count
        entries = entries + [Entry(name, options: options)]
        return entries.count - 1
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
        var values = self.step
        self.step = Snapshot()
        defer {
            values.removeAllKeepingCapacity()
            self.step = values
        }
        try publisher.publishStep(values, step: step, epoch: epoch, showing: showing)
    }

    /// The epoch values (`name`, or `name_epoch` for names also logged per step), reduced across
    /// the processes of `communicator` where asked. Logged metric objects are computed and reset.
    /// - Throws: what a metric's computation or the communicator throws.
    public func epochValues(over communicator: any Communicator) throws -> Snapshot {
        var snapshot = Snapshot()
        for entry in entries where entry.options.onEpoch {
            let key = entry.options.onStep ? "\(entry.name)_epoch" : entry.name
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
        entries = []
        indexByName = [:]
        lastIndex = -1
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
