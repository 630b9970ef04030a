/// When a training run evaluates: within epochs (every n batches, or at fractions of the epoch)
/// and at the end of every k-th epoch. Lightning's `val_check_interval` and
/// `check_val_every_n_epoch` in one value, which both frontends read.
///
/// ```swift
/// let schedule = EvaluationSchedule(interval: .fraction(0.5))   // twice per epoch
/// schedule.attach(to: trainer) { _ in try evaluator.run(validationLoader) }
/// ```
public struct EvaluationSchedule: Sendable, Equatable {
    /// When validation runs within an epoch (by default at its end).
    public var interval: ValidationInterval
    /// Validate at the end of every this many epochs; nil validates only by ``interval`` batches.
    public var everyEpochs: Int?

    /// A schedule with these settings; the default evaluates at the end of every epoch.
    public init(interval: ValidationInterval = .fraction(1), everyEpochs: Int? = 1) {
        self.interval = interval
        self.everyEpochs = everyEpochs
    }

    /// Whether an evaluation is due after the `done`-th batch of an epoch of `length` batches
    /// (`iteration` counts every batch of the run), before the epoch's end.
    public func isDue(afterBatch done: Int, of length: Int, iteration: Int) -> Bool {
        guard done < length else { return false }
        switch interval {
        case .everyBatches(let n): return iteration % n == 0
        case .fraction(let f): return f < 1 && done % Swift.max(1, Int((Double(length) * f).rounded(.down))) == 0
        }
    }

    /// Whether an evaluation is due at the end of epoch `epoch` (1-based) after `iteration`
    /// batches in all.
    public func isDue(atEndOfEpoch epoch: Int, iteration: Int) -> Bool {
        if let everyEpochs, epoch % everyEpochs == 0 { return true }
        if case .everyBatches(let n) = interval { return iteration % n == 0 }
        return false
    }

    /// Runs `evaluate` on `engine` whenever this schedule says so: within epochs at
    /// `iterationCompleted`, and at `epochCompleted` (not after a run stopped mid-epoch).
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>, evaluate: @escaping (Engine<B, O>) throws -> Void) -> [HandlerRegistration] {
        [engine.on(.iterationCompleted, named: "evaluation") { engine in
            let state = engine.state
            if !engine.isTerminating, isDue(afterBatch: state.iterationInEpoch, of: state.epochLength, iteration: state.iteration) {
                try evaluate(engine)
            }
        },
        engine.on(.epochCompleted, named: "evaluation") { engine in
            let state = engine.state
            let complete = state.iterationInEpoch == state.epochLength
            if complete || !engine.isTerminating, isDue(atEndOfEpoch: state.epoch, iteration: state.iteration) { try evaluate(engine) }
        }]
    }
}
