import TensorCore

/// Regression metrics from running sums (O(outputs) state, exact across processes):
/// predictions and targets of the same shape, `[batch]` or `[batch, outputs]`.
public class RegressionMetric: PredictionMetric {
    /// The name it is logged and reported under.
    public let name: String
    /// The number of output columns; values are averaged uniformly over them (scikit-learn's
    /// `multioutput="uniform_average"`).
    public let outputs: Int
    /// The accumulated state; each entry declares how it combines across processes.
    public var state = MetricState()
    /// The metric's value for one output column from its sums.
    let perColumn: (ColumnSums) -> Double

    init(name: String, outputs: Int, perColumn: @escaping (ColumnSums) -> Double) {
        self.perColumn = perColumn
        precondition(outputs >= 1, "\(name): outputs must be at least 1")
        self.name = name
        self.outputs = outputs
        let zeros = [Double](repeating: 0, count: outputs)
        // Per output: Σŷ-y, Σ(ŷ-y)², Σ|ŷ-y|, Σy, Σy², and the count.
        for entry in ["error", "squared_error", "absolute_error", "target", "squared_target"] {
            state.declare(entry, initial: zeros, reduction: .sum)
        }
        state.declare("count", initial: [0], reduction: .sum)
    }

    /// Adds one batch of predictions and targets.
    /// - Throws: ``MetricError`` naming the problem with their shapes or values.
    public func update(predictions: Tensor, targets: Tensor) throws {
        guard predictions.shape == targets.shape else {
            throw MetricError.invalidInput(metric: name, problem: "predictions of shape \(predictions.shape) and targets of shape \(targets.shape) differ")
        }
        let columns = predictions.rank == 2 ? predictions.shape[1] : 1
        guard predictions.rank <= 2, columns == outputs else {
            throw MetricError.invalidInput(metric: name, problem: "expects [batch] or [batch, \(outputs)], got \(predictions.shape)")
        }
        let p = predictions.scalars, t = targets.scalars
        if p.contains(where: \.isNaN) || t.contains(where: \.isNaN) {
            throw MetricError.invalidInput(metric: name, problem: "predictions or targets contain NaN")
        }
        var error = state["error"], squared = state["squared_error"], absolute = state["absolute_error"]
        var target = state["target"], squaredTarget = state["squared_target"]
        for i in p.indices {
            let column = i % outputs
            let e = Double(p[i]) - Double(t[i]), y = Double(t[i])
            error[column] += e
            squared[column] += e * e
            absolute[column] += Swift.abs(e)
            target[column] += y
            squaredTarget[column] += y * y
        }
        state["error"] = error
        state["squared_error"] = squared
        state["absolute_error"] = absolute
        state["target"] = target
        state["squared_target"] = squaredTarget
        state["count"][0] += Double(p.count / outputs)
    }

    /// The metric computed from `state` (this process's, or every rank's combined).
    /// - Throws: ``MetricError`` when there is no data or the value is undefined.
    public func value(from state: MetricState) throws -> Tensor {
        let n = state["count"][0]
        guard n > 0 else { throw MetricError.noUpdates(metric: name) }
        let values = (0..<outputs).map { column in
            perColumn(ColumnSums(
                error: state["error"][column], squaredError: state["squared_error"][column],
                absoluteError: state["absolute_error"][column], target: state["target"][column],
                squaredTarget: state["squared_target"][column], count: n))
        }
        return Tensor(Float(values.reduce(0, +) / Double(outputs)))
    }
}

/// One output column's running sums, what every regression formula is computed from.
struct ColumnSums {
    var error, squaredError, absoluteError, target, squaredTarget, count: Double

    /// Σ(y - ȳ)².
    var targetSpread: Double { squaredTarget - target * target / count }
}

/// Mean squared error over all elements.
public final class MeanSquaredError: RegressionMetric {
    /// Mean squared error over `outputs` outputs per example (averaged uniformly).
    public init(outputs: Int = 1, name: String = "mse") {
        super.init(name: name, outputs: outputs) { $0.squaredError / $0.count }
    }
}

/// Root mean squared error (per output, then averaged, as scikit-learn's `root_mean_squared_error`).
public final class RootMeanSquaredError: RegressionMetric {
    /// Root mean squared error over `outputs` outputs per example (averaged uniformly).
    public init(outputs: Int = 1, name: String = "rmse") {
        super.init(name: name, outputs: outputs) { ($0.squaredError / $0.count).squareRoot() }
    }
}

/// Mean absolute error.
public final class MeanAbsoluteError: RegressionMetric {
    /// Mean absolute error over `outputs` outputs per example (averaged uniformly).
    public init(outputs: Int = 1, name: String = "mae") {
        super.init(name: name, outputs: outputs) { $0.absoluteError / $0.count }
    }
}

/// The coefficient of determination, `1 - Σ(y - ŷ)² / Σ(y - ȳ)²`. When the targets are constant:
/// 1 for perfect predictions, else 0 (scikit-learn's `force_finite` behaviour).
public final class R2Score: RegressionMetric {
    /// The coefficient of determination over `outputs` outputs per example (averaged uniformly).
    public init(outputs: Int = 1, name: String = "r2") {
        super.init(name: name, outputs: outputs) { sums in
            let spread = sums.targetSpread
            if spread == 0 { return sums.squaredError == 0 ? 1 : 0 }
            return 1 - sums.squaredError / spread
        }
    }
}

/// Explained variance, `1 - Var(y - ŷ) / Var(y)`; constant targets as for ``R2Score``.
public final class ExplainedVariance: RegressionMetric {
    /// Explained variance over `outputs` outputs per example (averaged uniformly).
    public init(outputs: Int = 1, name: String = "explained_variance") {
        super.init(name: name, outputs: outputs) { sums in
            let spread = sums.targetSpread
            let meanError = sums.error / sums.count
            let errorSpread = sums.squaredError - sums.count * meanError * meanError
            if spread == 0 { return errorSpread == 0 ? 1 : 0 }
            return 1 - errorSpread / spread
        }
    }
}
