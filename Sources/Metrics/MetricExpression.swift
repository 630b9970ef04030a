import TensorCore

/// A metric computed from other metrics (Ignite's `MetricsLambda`): it has no state of its own
/// and is never updated directly; its parts are updated (for example by being attached or
/// logged), and computing it computes them, synchronizing each across processes when asked.
///
/// Built with arithmetic on metrics and numbers:
///
/// ```swift
/// let precision = Precision(task: .binary()), recall = Recall(task: .binary())
/// let f1 = 2 * precision * recall / (precision + recall)
/// let percent = Accuracy(task: .multiclass(classes: 10)) * 100
/// ```
public final class MetricExpression: Metric {
    /// The name it is logged and reported under.
    public let name: String
    /// The metrics this one reads.
    public let parts: [any Metric]
    private let combine: ([Tensor]) -> Tensor

    /// A metric whose value is `combine` applied to the parts' values, in order.
    public init(name: String, parts: [any Metric], combine: @escaping ([Tensor]) -> Tensor) {
        self.name = name
        self.parts = parts
        self.combine = combine
    }

    /// Always empty: the state lives in the parts.
    public var state: MetricState {
        get { MetricState() }
        set {}
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        combine(try parts.map { try $0.compute() })
    }

    /// Resets every part.
    public func reset() {
        for part in parts { part.reset() }
    }

    /// The expression over the parts' values on this process.
    public func compute() throws -> Tensor {
        combine(try parts.map { try $0.compute() })
    }

    /// Computes each part across `communicator`, then combines.
    public func compute(over communicator: any Communicator) throws -> Tensor {
        combine(try parts.map { try $0.compute(over: communicator) })
    }
}

private func expression(_ lhs: any Metric, _ rhs: any Metric, _ symbol: String, _ operation: @escaping (Tensor, Tensor) -> Tensor) -> MetricExpression {
    MetricExpression(name: "(\(lhs.name) \(symbol) \(rhs.name))", parts: [lhs, rhs]) { operation($0[0], $0[1]) }
}

private func expression(_ lhs: any Metric, _ symbol: String, _ constant: Float, _ operation: @escaping (Tensor) -> Tensor) -> MetricExpression {
    MetricExpression(name: "(\(lhs.name) \(symbol) \(constant))", parts: [lhs]) { operation($0[0]) }
}

/// A metric computed from the two metrics' values with this operator (no state of its own).
public func + (lhs: any Metric, rhs: any Metric) -> MetricExpression { expression(lhs, rhs, "+") { $0 + $1 } }
/// A metric computed from the two metrics' values with this operator (no state of its own).
public func - (lhs: any Metric, rhs: any Metric) -> MetricExpression { expression(lhs, rhs, "-") { $0 - $1 } }
/// A metric computed from the two metrics' values with this operator (no state of its own).
public func * (lhs: any Metric, rhs: any Metric) -> MetricExpression { expression(lhs, rhs, "*") { $0 * $1 } }
/// A metric computed from the two metrics' values with this operator (no state of its own).
public func / (lhs: any Metric, rhs: any Metric) -> MetricExpression { expression(lhs, rhs, "/") { $0 / $1 } }
/// A metric computed from the metric's value and a number with this operator.
public func + (lhs: any Metric, rhs: Float) -> MetricExpression { expression(lhs, "+", rhs) { $0 + rhs } }
/// A metric computed from the metric's value and a number with this operator.
public func - (lhs: any Metric, rhs: Float) -> MetricExpression { expression(lhs, "-", rhs) { $0 - rhs } }
/// A metric computed from the metric's value and a number with this operator.
public func * (lhs: any Metric, rhs: Float) -> MetricExpression { expression(lhs, "*", rhs) { $0 * rhs } }
/// A metric computed from the metric's value and a number with this operator.
public func / (lhs: any Metric, rhs: Float) -> MetricExpression { expression(lhs, "/", rhs) { $0 / rhs } }
/// A metric computed from a number and the metric's value with this operator.
public func * (lhs: Float, rhs: any Metric) -> MetricExpression { expression(rhs, "*", lhs) { lhs * $0 } }
/// A metric computed from a number and the metric's value with this operator.
public func + (lhs: Float, rhs: any Metric) -> MetricExpression { expression(rhs, "+", lhs) { lhs + $0 } }
