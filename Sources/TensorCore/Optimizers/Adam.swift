import Foundation

/// Adam, and AdamW when `decoupledWeightDecay` is set, with PyTorch's update rule, bias
/// correction and epsilon placement (`torch.optim.Adam` / `AdamW`):
///
///     g = g + weightDecay·p            (Adam)     p = p·(1 - lr·weightDecay)   (AdamW)
///     m = m + (1 - β1)(g - m)
///     v = β2·v + (1 - β2)·g²
///     p = p - lr/(1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε)
///
/// Values below the smallest normal float (1.2e-38) count as zero in the update: the moments of
/// parameters whose gradient stays zero (dead ReLU units) decay towards that range, where the CPU
/// computes 10x slower, and the step they would make is far below the parameter's rounding.
///
/// ```swift
/// let optimizer = Adam(for: model, learningRate: 1e-3)
/// ```
public class Adam: Optimizer {
    /// The tensors this updates, in a fixed order.
    public let parameters: [Tensor]
    /// The learning rate the next `step()` uses (schedules change it between steps).
    public var learningRate: Float
    /// Decay rates of the first and second moment estimates.
    public let beta1: Float, beta2: Float
    /// Added to the denominator, for stability.
    public let epsilon: Float
    /// L2 penalty (Adam) or decoupled decay (AdamW).
    public let weightDecay: Float
    /// AdamW: decay the parameters directly instead of adding the decay to the gradient.
    public let decoupledWeightDecay: Bool
    private var firstMoments: [Tensor?]
    private var secondMoments: [Tensor?]
    private var steps: [Int]
    /// Each parameter's learning rate as a multiple of ``learningRate`` (1 without groups).
    private let rateRatios: [Double]
    /// Each parameter's weight decay (``weightDecay`` without groups).
    private let decays: [Float]

    /// An optimizer over `parameters` with PyTorch's defaults.
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay)
    }

    /// An optimizer over `groups`, each with its own learning rate and weight decay where it sets
    /// one (see ``ParameterGroup``); the other settings are shared.
    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        guard learningRate >= 0, epsilon >= 0, weightDecay >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            fail("Adam", "invalid hyperparameters: learning rate \(learningRate), betas (\(beta1), \(beta2)), epsilon \(epsilon), weight decay \(weightDecay)")
        }
        let settings = ParameterGroup.settings(groups, learningRate: learningRate, weightDecay: weightDecay,
                                               optimizer: decoupledWeightDecay ? "AdamW" : "Adam")
        self.parameters = settings.parameters
        self.rateRatios = settings.rateRatios
        self.decays = settings.decays
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = parameters.map { _ in nil }
        secondMoments = parameters.map { _ in nil }
        steps = parameters.map { _ in 0 }
    }

    /// An optimizer over `model`'s parameters with PyTorch's defaults.
    public convenience init(for model: some Module, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay)
    }

    private var name: String { decoupledWeightDecay ? "AdamW" : "Adam" }

    /// Updates every parameter that has a gradient, by the rule in the type's documentation.
    public func step() {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            if firstMoments[index] == nil {
                firstMoments[index] = Tensor(zeros: parameter.shape)
                secondMoments[index] = Tensor(zeros: parameter.shape)
            }
            steps[index] += 1
            Kernels.adamStep(parameter: parameter, gradient: gradient, firstMoment: firstMoments[index]!,
                             secondMoment: secondMoments[index]!, step: steps[index],
                             learningRate: rateRatios[index] == 1 ? learningRate : Float(Double(learningRate) * rateRatios[index]),
                             beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decays[index],
                             decoupled: decoupledWeightDecay)
        }
    }

    /// Everything learned so far (buffers, step counts, the rate), for a checkpoint.
    public var state: OptimizerState {
        var state = OptimizerState(numbers: ["learning_rate": Double(learningRate)])
        for index in parameters.indices where steps[index] > 0 {
            state.tensors["exp_avg.\(index)"] = firstMoments[index]
            state.tensors["exp_avg_sq.\(index)"] = secondMoments[index]
            state.numbers["step.\(index)"] = Double(steps[index])
        }
        return state
    }

    /// Restores state saved from ``state``; throws without changing anything when it does not fit these parameters.
    public func load(_ state: OptimizerState) throws {
        var first: [Tensor?] = [], second: [Tensor?] = [], counts: [Int] = []
        for (index, parameter) in parameters.enumerated() {
            guard let step = state.numbers["step.\(index)"] else {
                first.append(nil); second.append(nil); counts.append(0)
                continue
            }
            first.append(try state.tensor("exp_avg.\(index)", shape: parameter.shape, optimizer: name))
            second.append(try state.tensor("exp_avg_sq.\(index)", shape: parameter.shape, optimizer: name))
            guard let count = Int(exactly: step), count >= 0 else {
                throw CheckpointError.corrupt(path: "\(name) state", reason: "step.\(index) = \(step) is not a step count")
            }
            counts.append(count)
        }
        let rate = try state.number("learning_rate", optimizer: name)
        guard rate.isFinite, rate >= 0 else {
            throw CheckpointError.corrupt(path: "\(name) state", reason: "learning_rate = \(rate) is not a finite rate")
        }
        // Copies, so the loaded state never shares storage with the checkpoint's tensors.
        firstMoments = first.map { $0.map { Tensor($0.scalars, shape: $0.shape) } }
        secondMoments = second.map { $0.map { Tensor($0.scalars, shape: $0.shape) } }
        steps = counts
        learningRate = Float(rate)
    }
}

/// AdamW: ``Adam`` with decoupled weight decay, defaulting to 0.01 as PyTorch's `AdamW`.
///
/// ```swift
/// let optimizer = AdamW(for: model, learningRate: 1e-3)
/// ```
public final class AdamW: Adam {
    /// An optimizer over `parameters` with PyTorch's defaults.
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// AdamW over `groups`, each with its own learning rate and weight decay where it sets one.
    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    /// An optimizer over `model`'s parameters with PyTorch's defaults.
    public convenience init(for model: some Module, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.init(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay)
    }
}
