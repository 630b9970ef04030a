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
    /// Steps between decays.
    public var stepSize: Int
    /// The factor applied at each decay.
    public var gamma: Float = 0.1
    /// Decays by `gamma` every `stepSize` steps.
    public init(stepSize: Int, gamma: Float = 0.1) { self.stepSize = stepSize; self.gamma = gamma }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(step / stepSize))
    }
}

/// Multiplies the rate by `gamma` at each milestone step (PyTorch's `MultiStepLR`).
public struct MultiStepDecay: LearningRateSchedule {
    /// The steps at which the rate decays.
    public var milestones: [Int]
    /// The factor applied at each decay.
    public var gamma: Float = 0.1
    /// Decays by `gamma` at each milestone.
    public init(milestones: [Int], gamma: Float = 0.1) { self.milestones = milestones; self.gamma = gamma }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(milestones.filter { $0 <= step }.count))
    }
}

/// Multiplies the rate by `gamma` every step (PyTorch's `ExponentialLR`).
public struct ExponentialDecay: LearningRateSchedule {
    /// The factor applied at each decay.
    public var gamma: Float
    /// Decays by `gamma` every step.
    public init(gamma: Float) { self.gamma = gamma }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        baseRate * pow(gamma, Float(step))
    }
}

/// Half a cosine from the base rate down to `minimumRate` over `period` steps (PyTorch's
/// `CosineAnnealingLR`, closed form), continuing as a cosine after the period.
public struct CosineAnnealing: LearningRateSchedule {
    /// Steps from the base rate down to the minimum.
    public var period: Int
    /// The rate at the bottom of the cosine.
    public var minimumRate: Float = 0
    /// A cosine from the base rate to `minimumRate` over `period` steps.
    public init(period: Int, minimumRate: Float = 0) { self.period = period; self.minimumRate = minimumRate }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        minimumRate + (baseRate - minimumRate) * Float(1 + cos(Double.pi * Double(step) / Double(period))) / 2
    }
}

/// A linear ramp from `startFactor`·base to the base rate over `warmupSteps` steps, then
/// `schedule` (with its step count starting at 0 when the warm-up ends), like PyTorch's `LinearLR`
/// followed by another scheduler in `SequentialLR`.
public struct LinearWarmup<Schedule: LearningRateSchedule>: LearningRateSchedule {
    /// Steps of the linear ramp.
    public var warmupSteps: Int
    /// The ramp starts at this fraction of the base rate.
    public var startFactor: Float
    /// The schedule after the warm-up (its step count starts at 0 there).
    public var schedule: Schedule
    /// A linear ramp over `warmupSteps` from `startFactor` times the base rate, then `schedule`.
    public init(warmupSteps: Int, startFactor: Float = 1.0 / 3, then schedule: Schedule) {
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
        self.schedule = schedule
    }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float {
        if step < warmupSteps {
            return baseRate * (startFactor + (1 - startFactor) * Float(step) / Float(warmupSteps))
        }
        return schedule.learningRate(atStep: step - warmupSteps, baseRate: baseRate)
    }
}

/// A constant rate (the identity schedule, for warm-up alone).
public struct ConstantRate: LearningRateSchedule {
    /// The constant schedule.
    public init() {}
    /// The rate after `step` steps for an optimizer created with `baseRate`.
    public func learningRate(atStep step: Int, baseRate: Float) -> Float { baseRate }
}

/// The one-cycle policy (PyTorch's `OneCycleLR` with cosine annealing, two phases): from
/// `maximumRate / initialDivisor` up to `maximumRate` over the first `warmupFraction` of
/// `totalSteps`, then down to `maximumRate / (initialDivisor · finalDivisor)`. The base rate is
/// not used: the policy sets its own.
public struct OneCycle: LearningRateSchedule {
    /// The peak rate.
    public var maximumRate: Float
    /// Steps of the whole cycle.
    public var totalSteps: Int
    /// The fraction of the cycle spent rising.
    public var warmupFraction: Float = 0.3
    /// The start rate is `maximumRate / initialDivisor`.
    public var initialDivisor: Float = 25
    /// The end rate is the start rate divided by `finalDivisor`.
    public var finalDivisor: Float = 1e4
    /// A one-cycle schedule; see the properties (PyTorch's defaults).
    public init(maximumRate: Float, totalSteps: Int, warmupFraction: Float = 0.3,
                initialDivisor: Float = 25, finalDivisor: Float = 1e4) {
        self.maximumRate = maximumRate
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.initialDivisor = initialDivisor
        self.finalDivisor = finalDivisor
    }
    /// The rate after `step` steps for an optimizer created with `baseRate`.
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
    /// The rate as a function of the step count.
    public let schedule: any LearningRateSchedule
    /// The optimizer whose rate is set.
    public let optimizer: any Optimizer
    /// The optimizer's learning rate when the scheduler was created.
    public let baseRate: Float
    /// How many times ``step()`` has run.
    public private(set) var stepCount = 0

    /// A scheduler at step 0 that sets `optimizer`'s rate from `schedule` (the optimizer's current rate is the base).
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
