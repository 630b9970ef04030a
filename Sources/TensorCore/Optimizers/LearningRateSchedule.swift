import Foundation

/// A learning rate as a pure function of how many times the schedule has been stepped.
///
/// Step 0 is the rate before any step. Schedules hold no state, so a run resumes exactly by
/// restoring the step count alone (see ``LearningRateScheduler``). The rates equal those of
/// PyTorch's schedulers of the same names stepped the same number of times.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate after `step` steps, for an optimizer created with `baseRate`.
    func learningRate(atStep step: Int, baseRate: Float) -> Float
}

/// Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`).
public struct StepDecay: LearningRateSchedule {
    public var stepSize: Int
    public var gamma: Float = 0.1
    public init(stepSize: Int, gamma: Float = 0.1) { self.stepSize = stepSize; self.gamma = gamma }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(step / stepSize))
    }
}

/// Multiplies the rate by `gamma` at each milestone step (PyTorch's `MultiStepLR`).
public struct MultiStepDecay: LearningRateSchedule {
    public var milestones: [Int]
    public var gamma: Float = 0.1
    public init(milestones: [Int], gamma: Float = 0.1) { self.milestones = milestones; self.gamma = gamma }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(milestones.filter { $0 <= step }.count))
    }
}

/// Multiplies the rate by `gamma` every step (PyTorch's `ExponentialLR`).
public struct ExponentialDecay: LearningRateSchedule {
    public var gamma: Float
    public init(gamma: Float) { self.gamma = gamma }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(step))
    }
}

/// Half a cosine from the base rate down to `minimumRate` over `period` steps (PyTorch's
/// `CosineAnnealingLR`, closed form), continuing as a cosine after the period.
public struct CosineAnnealing: LearningRateSchedule {
    public var period: Int
    public var minimumRate: Float = 0
    public init(period: Int, minimumRate: Float = 0) { self.period = period; self.minimumRate = minimumRate }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        minimumRate + (baseRate - minimumRate) * Float(1 + cos(Double.pi * Double(step) / Double(period))) / 2
    }
}

/// A linear ramp from `startFactor`·base to the base rate over `warmupSteps` steps, then
/// `schedule` (with its step count starting at 0 when the warm-up ends), like PyTorch's `LinearLR`
/// followed by another scheduler in `SequentialLR`.
public struct LinearWarmup<Schedule: LearningRateSchedule>: LearningRateSchedule {
    public var warmupSteps: Int
    public var startFactor: Float
    public var schedule: Schedule
    public init(warmupSteps: Int, startFactor: Float = 1.0 / 3, then schedule: Schedule) {
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
        self.schedule = schedule
    }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        if step < warmupSteps {
            return baseRate * (startFactor + (1 - startFactor) * Float(step) / Float(warmupSteps))
        }
        return schedule.learningRate(atStep: step - warmupSteps, baseRate: baseRate)
    }
}

/// A constant rate (the identity schedule, for warm-up alone).
public struct ConstantRate: LearningRateSchedule {
    public init() {}
    public func learningRate(atStep step: Int, baseRate: Float) -> Float { baseRate }
}

/// The one-cycle policy (PyTorch's `OneCycleLR` with cosine annealing, two phases): from
/// `maximumRate / initialDivisor` up to `maximumRate` over the first `warmupFraction` of
/// `totalSteps`, then down to `maximumRate / (initialDivisor · finalDivisor)`. The base rate is
/// not used: the policy sets its own.
public struct OneCycle: LearningRateSchedule {
    public var maximumRate: Float
    public var totalSteps: Int
    public var warmupFraction: Float = 0.3
    public var initialDivisor: Float = 25
    public var finalDivisor: Float = 1e4
    public init(maximumRate: Float, totalSteps: Int, warmupFraction: Float = 0.3,
                initialDivisor: Float = 25, finalDivisor: Float = 1e4) {
        self.maximumRate = maximumRate
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.initialDivisor = initialDivisor
        self.finalDivisor = finalDivisor
    }
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        let initial = maximumRate / initialDivisor
        let minimum = initial / finalDivisor
        let peakStep = Float(warmupFraction * Float(totalSteps)) - 1
        let lastStep = Float(totalSteps - 1)
        func cosine(_ start: Float, _ end: Float, _ fraction: Float) -> Float {
            end + (start - end) / 2 * Float(cos(Double.pi * Double(fraction)) + 1)
        }
        let t = Float(step)
        if t <= peakStep { return cosine(initial, maximumRate, t / peakStep) }
        return cosine(maximumRate, minimum, (t - peakStep) / (lastStep - peakStep))
    }
}

/// Drives an optimizer's learning rate from a schedule: ``step()`` advances the count and sets
/// the rate. Its whole state is ``stepCount``.
///
/// ```swift
/// let scheduler = LearningRateScheduler(StepDecay(stepSize: 10), optimizer: optimizer)
/// for epoch in 0..<30 { train(epoch); scheduler.step() }
/// ```
public final class LearningRateScheduler {
    public let schedule: any LearningRateSchedule
    public let optimizer: any Optimizer
    /// The optimizer's learning rate when the scheduler was created.
    public let baseRate: Float
    /// How many times ``step()`` has run.
    public private(set) var stepCount = 0

    public init(_ schedule: any LearningRateSchedule, optimizer: any Optimizer) {
        self.schedule = schedule
        self.optimizer = optimizer
        self.baseRate = optimizer.learningRate
        optimizer.learningRate = schedule.learningRate(atStep: 0, baseRate: baseRate)
    }

    /// The rate the optimizer uses now.
    public var learningRate: Float { optimizer.learningRate }

    /// Advances the schedule by one step and sets the optimizer's rate.
    public func step() {
        stepCount += 1
        optimizer.learningRate = schedule.learningRate(atStep: stepCount, baseRate: baseRate)
    }

    /// Restores a saved step count (from a checkpoint) and the rate that goes with it.
    public func restore(stepCount: Int) {
        self.stepCount = stepCount
        optimizer.learningRate = schedule.learningRate(atStep: stepCount, baseRate: baseRate)
    }
}
