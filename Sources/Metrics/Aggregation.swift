import TensorCore

/// The weighted mean of the values fed to it: for a loss, update with each batch's mean loss
/// and the batch size as weight, and the result is the mean over examples (what Lightning's
/// epoch-level `log` computes).
///
/// ```swift
/// let loss = Mean(name: "val_loss")
/// loss.update(batchLoss.scalar, weight: Float(batch.count))
/// ```
public final class Mean: Metric {
    /// The name it is logged and reported under.
    public let name: String
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()

    /// An empty mean named `name`.
    public init(name: String = "mean") {
        self.name = name
        state.declare("total", initial: [0], reduction: .sum)
        state.declare("weight", initial: [0], reduction: .sum)
    }

    /// Adds `value` with weight `weight` (a batch's mean and its size, say).
    public func update(_ value: Float, weight: Float = 1) {
        state["total"][0] += Double(value) * Double(weight)
        state["weight"][0] += Double(weight)
    }

    /// Adds every element of `values` with weight 1.
    public func update(_ values: Tensor) {
        state["total"][0] += values.scalars.reduce(0) { $0 + Double($1) }
        state["weight"][0] += Double(values.scalarCount)
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["weight"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["total"][0] / state["weight"][0]))
    }
}

/// The sum of the values fed to it.
public final class Sum: Metric {
    /// The name it is logged and reported under.
    public let name: String
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()

    /// An empty sum named `name`.
    public init(name: String = "sum") {
        self.name = name
        state.declare("total", initial: [0], reduction: .sum)
        state.declare("updates", initial: [0], reduction: .sum)
    }

    /// Adds one value.
    public func update(_ value: Float) {
        state["total"][0] += Double(value)
        state["updates"][0] += 1
    }

    /// Adds every element of `values`.
    public func update(_ values: Tensor) {
        state["total"][0] += values.scalars.reduce(0) { $0 + Double($1) }
        state["updates"][0] += 1
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["updates"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["total"][0]))
    }
}

/// The largest (``Maximum``) or smallest (``Minimum``) value fed to it.
public class Extremum: Metric {
    /// The name it is logged and reported under.
    public let name: String
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    let largest: Bool

    init(name: String, largest: Bool) {
        self.name = name
        self.largest = largest
        state.declare("value", initial: [largest ? -.infinity : .infinity], reduction: largest ? .max : .min)
        state.declare("updates", initial: [0], reduction: .sum)
    }

    /// Adds one value.
    public func update(_ value: Float) {
        let current = state["value"][0]
        state["value"][0] = largest ? Swift.max(current, Double(value)) : Swift.min(current, Double(value))
        state["updates"][0] += 1
    }

    /// Takes every element of `values` into account.
    public func update(_ values: Tensor) {
        guard let extreme = largest ? values.scalars.max() : values.scalars.min() else { return }
        update(extreme)
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["updates"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["value"][0]))
    }
}

/// The largest value fed to it.
public final class Maximum: Extremum {
    /// An empty maximum named `name`.
    public init(name: String = "max") { super.init(name: name, largest: true) }
}

/// The smallest value fed to it.
public final class Minimum: Extremum {
    /// An empty minimum named `name`.
    public init(name: String = "min") { super.init(name: name, largest: false) }
}

/// An exponential moving average, `v ← α·v + (1 - α)·x`, started at the first value (Ignite's
/// `RunningAverage`, `alpha` 0.98 by default). Across processes the ranks' averages are
/// averaged, which equals the moving average of the per-step means because the average is
/// linear in its inputs.
public final class RunningAverage: Metric {
    /// The name it is logged and reported under.
    public let name: String
    /// The smoothing factor: each update keeps `alpha` of the previous value.
    public let alpha: Double
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()

    /// An empty running average with smoothing `alpha` (Ignite's default 0.98).
    public init(alpha: Double = 0.98, name: String = "running_average") {
        precondition((0..<1).contains(alpha), "RunningAverage: alpha must be in [0, 1), got \(alpha)")
        self.name = name
        self.alpha = alpha
        state.declare("value", initial: [0], reduction: .mean)
        state.declare("updates", initial: [0], reduction: .max)
    }

    /// Adds one value.
    public func update(_ value: Float) {
        let updates = state["updates"][0]
        state["value"][0] = updates == 0 ? Double(value) : alpha * state["value"][0] + (1 - alpha) * Double(value)
        state["updates"][0] = updates + 1
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        guard state["updates"][0] > 0 else { throw MetricError.noUpdates(metric: name) }
        return Tensor(Float(state["value"][0]))
    }
}
