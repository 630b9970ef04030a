import TensorCore

/// A quantity accumulated over batches: `reset`, any number of updates, then `compute`.
///
/// A metric keeps its running state in a ``MetricState``: named arrays of numbers, each declaring
/// how it combines across processes (torchmetrics' `add_state`). That makes every metric
/// synchronizable with no extra code: ``compute(over:)`` combines the states of all ranks and
/// computes from the combination, which equals a single process that saw all the data.
///
/// Updates are type-specific (``PredictionMetric/update(predictions:targets:)`` for
/// classification and regression, ``Mean/update(_:weight:)`` for aggregates), so a metric can be
/// attached to an engine or logged from a training module by a closure that feeds it.
///
/// ```swift
/// let accuracy = Accuracy(task: .multiclass(classes: 10))
/// for batch in testLoader.batches(epoch: 0) {
///     try accuracy.update(predictions: model(batch.inputs), targets: batch.labels)
/// }
/// print(try accuracy.compute().scalar)
/// accuracy.reset()
/// ```
public protocol Metric: AnyObject {
    /// The name used in error messages (and as the default log key).
    var name: String { get }
    /// The accumulated state.
    var state: MetricState { get set }
    /// The metric's value computed from `state` (which may be the combination of all ranks').
    /// - Throws: ``MetricError/noUpdates(metric:)`` when nothing was accumulated.
    func value(from state: MetricState) throws -> Tensor

    /// Clears the accumulated state. Default: every state entry back to its initial values.
    func reset()

    /// The value from this process's updates. Default: ``value(from:)`` of ``state``.
    func compute() throws -> Tensor

    /// The value from every rank's updates. Default: the states are combined across
    /// `communicator` (each entry by its declared reduction, in rank order) and the value
    /// computed from the combination. Every rank must call it; the local state is unchanged.
    func compute(over communicator: any Communicator) throws -> Tensor
}

extension Metric {
    /// Clears the state (a new epoch).
    public func reset() { state.reset() }

    /// The value over this process's data.
    /// - Throws: ``MetricError`` when there is no data.
    public func compute() throws -> Tensor { try value(from: state) }

    /// The value over every rank's data, each example counted once: the states are combined first.
    /// - Throws: ``MetricError`` when there is no data, or a communication error.
    public func compute(over communicator: any Communicator) throws -> Tensor {
        try value(from: state.synchronized(over: communicator))
    }
}

/// A metric fed with model predictions and their targets, one batch at a time.
public protocol PredictionMetric: Metric {
    /// Accumulates one batch.
    /// - Throws: ``MetricError/invalidInput(metric:problem:)`` for shapes that do not fit the
    ///   metric, labels out of range or NaN scores; the state is unchanged then.
    func update(predictions: Tensor, targets: Tensor) throws
}

/// How one piece of metric state combines across processes.
public enum StateReduction: Sendable {
    /// Elementwise sum (counts, totals).
    case sum
    /// Elementwise maximum.
    case max
    /// Elementwise minimum.
    case min
    /// Every rank's values, appended in rank order (scores kept for AUC).
    case concatenate
    /// Elementwise mean over ranks (exact for linear state such as an exponential moving
    /// average updated the same number of times on every rank).
    case mean
}

/// Named arrays of numbers with their reductions and initial values: the whole state of a metric.
///
/// Doubles keep counts exact up to 2^53 and sums accurate over long evaluations.
public struct MetricState: Sendable {
    private struct Entry: Sendable {
        var values: [Double]
        let initial: [Double]
        let reduction: StateReduction
    }

    private var entries: [String: Entry] = [:]
    /// The names in declaration order (the order collectives use on every rank).
    public private(set) var names: [String] = []

    /// An empty state.
    public init() {}

    /// Declares an entry with its initial values and reduction.
    public mutating func declare(_ name: String, initial: [Double], reduction: StateReduction) {
        precondition(entries[name] == nil, "metric state entry \(name) declared twice")
        entries[name] = Entry(values: initial, initial: initial, reduction: reduction)
        names.append(name)
    }

    /// The values of entry `name`.
    public subscript(name: String) -> [Double] {
        get {
            guard let entry = entries[name] else { preconditionFailure("no metric state entry \(name)") }
            return entry.values
        }
        set {
            guard entries[name] != nil else { preconditionFailure("no metric state entry \(name)") }
            entries[name]!.values = newValue
        }
    }

    /// Puts every entry back to its initial values.
    public mutating func reset() {
        for name in names { entries[name]!.values = entries[name]!.initial }
    }

    /// This state combined with every rank's: one collective per entry, in declaration order.
    public func synchronized(over communicator: any Communicator) throws -> MetricState {
        var result = self
        for name in names {
            let entry = entries[name]!
            var values = entry.values
            switch entry.reduction {
            case .sum: try communicator.allReduce(&values, operation: .sum)
            case .max: try communicator.allReduce(&values, operation: .max)
            case .min: try communicator.allReduce(&values, operation: .min)
            case .concatenate: values = try communicator.allGather(values).flatMap { $0 }
            case .mean: try communicator.allReduce(&values, operation: .mean)
            }
            result.entries[name]!.values = values
        }
        return result
    }

    /// This state merged with `other` (same declarations) as the reductions prescribe: what
    /// synchronizing two ranks gives.
    public func merged(with other: MetricState) -> MetricState {
        var result = self
        for name in names {
            let a = entries[name]!.values, b = other[name]
            switch entries[name]!.reduction {
            case .sum: result[name] = zip(a, b).map(+)
            case .max: result[name] = zip(a, b).map { Swift.max($0, $1) }
            case .min: result[name] = zip(a, b).map { Swift.min($0, $1) }
            case .concatenate: result[name] = a + b
            case .mean: result[name] = zip(a, b).map { ($0 + $1) / 2 }
            }
        }
        return result
    }
}

/// Misuse of a metric at run time.
public enum MetricError: Error, CustomStringConvertible, Equatable {
    /// `compute` before any update: there is no value (it is not 0).
    case noUpdates(metric: String)
    /// An update's inputs do not fit the metric.
    case invalidInput(metric: String, problem: String)
    /// The value does not exist for the data seen (ROC AUC with a single class present).
    case undefined(metric: String, reason: String)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case .noUpdates(let metric): "\(metric): compute() called before any update; there is no value yet"
        case let .invalidInput(metric, problem): "\(metric): \(problem)"
        case let .undefined(metric, reason): "\(metric) is undefined: \(reason)"
        }
    }
}
