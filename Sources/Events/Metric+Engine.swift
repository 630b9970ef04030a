import Metrics
import TensorCore

/// When an attached metric resets, updates and computes (Ignite's usages).
public enum MetricUsage: Sendable {
    /// Reset when an epoch starts, update every iteration, compute when the epoch completes.
    case epochWise
    /// Reset, update and compute every iteration: the value of the last batch.
    case batchWise
    /// Reset when the run starts, update every iteration, compute every iteration: the value over
    /// everything seen so far in the run.
    case runningBatchWise
    /// Reset when the run starts, update every iteration, compute when each epoch completes: the
    /// value over every epoch so far.
    case runningEpochWise
    /// Like ``epochWise``, but update only on every `every`-th iteration (a cheap sample of a
    /// costly metric, Ignite's `BatchFiltered`).
    case batchFiltered(every: Int)
}

extension Metric {
    /// Feeds this metric from `engine`'s outputs with `update` and writes its value into
    /// `engine.state.metrics[name]` (or, with several elements, `engine.state.tables[name]`, its
    /// shape kept), computed over the engine's
    /// communicator, at the times `usage` prescribes. Returns the registrations, to detach.
    ///
    /// ```swift
    /// Mean(name: "train_loss").attach(to: trainer, name: "train_loss") { mean, loss in mean.update(loss) }
    /// ```
    @discardableResult
    public func attach<Batch, Output>(to engine: Engine<Batch, Output>, name: String, usage: MetricUsage = .epochWise,
                                      update: @escaping (Self, Output) throws -> Void) -> [HandlerRegistration] {
        let reset: Trigger, computeTrigger: Trigger
        var updateTrigger = Trigger.iterationCompleted
        switch usage {
        case .epochWise: (reset, computeTrigger) = (.epochStarted, .epochCompleted)
        case .batchWise: (reset, computeTrigger) = (.iterationStarted, .iterationCompleted)
        case .runningBatchWise: (reset, computeTrigger) = (.started, .iterationCompleted)
        case .runningEpochWise: (reset, computeTrigger) = (.started, .epochCompleted)
        case .batchFiltered(let every):
            precondition(every >= 1, "MetricUsage.batchFiltered: every must be at least 1, got \(every)")
            (reset, computeTrigger, updateTrigger) = (.epochStarted, .epochCompleted, .iterationCompleted(every: every))
        }
        return [
            engine.on(reset, named: "metric \(name)") { _ in self.reset() },
            engine.on(updateTrigger, named: "metric \(name)") { engine in
                guard let output = engine.state.output else { return }
                try update(self, output)
            },
            engine.on(computeTrigger, named: "metric \(name)") { engine in
                let value = try self.compute(over: engine.communicator)
                if value.scalarCount == 1 {
                    engine.state.metrics[name] = value.scalar
                } else {
                    engine.state.tables[name] = value
                }
            },
        ]
    }
}

extension PredictionMetric {
    /// Attaches this metric to an engine whose outputs are predictions and targets (an
    /// evaluator): ``Metric/attach(to:name:usage:update:)`` with the update spelled out.
    @discardableResult
    public func attach<Batch>(to engine: Engine<Batch, PredictionOutput>, name: String, usage: MetricUsage = .epochWise) -> [HandlerRegistration] {
        attach(to: engine, name: name, usage: usage) { metric, output in
            try metric.update(predictions: output.predictions, targets: output.targets)
        }
    }
}
