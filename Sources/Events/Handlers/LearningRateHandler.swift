import TensorCore

/// How often a learning-rate schedule advances.
public enum ScheduleInterval: Sendable { case iteration, epoch }

extension LearningRateScheduler {
    /// Steps this scheduler after every iteration or every epoch of `trainer` (after the
    /// optimizer step, as PyTorch's order requires). Warm-up is a schedule too (``LinearWarmup``).
    ///
    /// ```swift
    /// LearningRateScheduler(LinearWarmup(warmupSteps: 500, then: CosineAnnealing(period: 9000)), optimizer: optimizer)
    ///     .attach(to: trainer, every: .iteration)
    /// ```
    @discardableResult
    public func attach<B, O>(to trainer: Engine<B, O>, every interval: ScheduleInterval) -> HandlerRegistration {
        trainer.on(interval == .iteration ? .iterationCompleted : .epochCompleted) { engine in
            self.step()
            engine.state.metrics["lr"] = self.learningRate
        }
    }
}
