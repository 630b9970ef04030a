/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight
/// decay, with PyTorch's update rule (`torch.optim.SGD`):
///
///     d = g + weightDecay·p
///     b = d on the first step, else momentum·b + (1 - dampening)·d
///     d = d + momentum·b (Nesterov) or b
///     p = p - learningRate·d
///
/// As in ``Adam``, values below the smallest normal float count as zero in the update.
///
/// ```swift
/// let optimizer = SGD(for: model, learningRate: 0.01, momentum: 0.5)
/// ```
public final class SGD: Optimizer {
    /// The tensors this updates, in a fixed order.
    public let parameters: [Tensor]
    /// The learning rate the next `step()` uses (schedules change it between steps).
    public var learningRate: Float
    /// Momentum factor (0: plain SGD).
    public let momentum: Float
    /// Dampening of the momentum's gradient term.
    public let dampening: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// L2 penalty added to the gradient.
    public let weightDecay: Float
    private var buffers: [Tensor?]
    /// Each parameter's learning rate as a multiple of ``learningRate`` (1 without groups).
    private let rateRatios: [Double]
    /// Each parameter's weight decay (``weightDecay`` without groups).
    private let decays: [Float]

    /// SGD over `parameters` with these settings (PyTorch's defaults).
    public convenience init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum, dampening: dampening,
                  nesterov: nesterov, weightDecay: weightDecay)
    }

    /// SGD over `groups`, each with its own learning rate and weight decay where it sets one
    /// (see ``ParameterGroup``); momentum, dampening and Nesterov are shared.
    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
            fail("SGD", "learning rate, momentum and weight decay must be >= 0, got \(learningRate), \(momentum), \(weightDecay)")
        }
        if nesterov && (momentum <= 0 || dampening != 0) {
            fail("SGD", "Nesterov momentum requires momentum > 0 and zero dampening")
        }
        let settings = ParameterGroup.settings(groups, learningRate: learningRate, weightDecay: weightDecay, optimizer: "SGD")
        self.parameters = settings.parameters
        self.rateRatios = settings.rateRatios
        self.decays = settings.decays
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = parameters.map { _ in nil }
    }

    /// SGD over `model`'s parameters with these settings.
    public convenience init(for model: some Module, learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(parameters: model.parameters, learningRate: learningRate, momentum: momentum, dampening: dampening,
                  nesterov: nesterov, weightDecay: weightDecay)
    }

    /// Updates every parameter that has a gradient, by the rule in the type's documentation.
    public func step() {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.gradient else { continue }
            let firstStep = buffers[index] == nil
            if momentum != 0 && firstStep { buffers[index] = Tensor(zeros: parameter.shape) }
            Kernels.sgdStep(parameter: parameter, gradient: gradient, buffer: momentum != 0 ? buffers[index] : nil,
                            firstStep: firstStep,
                            learningRate: rateRatios[index] == 1 ? learningRate : Float(Double(learningRate) * rateRatios[index]),
                            momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: decays[index])
        }
    }

    /// Everything learned so far (buffers, step counts, the rate), for a checkpoint.
    public var state: OptimizerState {
        var tensors: [String: Tensor] = [:]
        for (index, buffer) in buffers.enumerated() { if let buffer { tensors["momentum_buffer.\(index)"] = buffer } }
        return OptimizerState(tensors: tensors, numbers: ["learning_rate": Double(learningRate)])
    }

    /// Restores state saved from ``state``; throws without changing anything when it does not fit these parameters.
    public func load(_ state: OptimizerState) throws {
        var restored: [Tensor?] = []
        for (index, parameter) in parameters.enumerated() {
            let name = "momentum_buffer.\(index)"
            restored.append(state.tensors[name] == nil ? nil : try state.tensor(name, shape: parameter.shape, optimizer: "SGD"))
        }
        let rate = try state.number("learning_rate", optimizer: "SGD")
        guard rate.isFinite, rate >= 0 else {
            throw CheckpointError.corrupt(path: "SGD state", reason: "learning_rate = \(rate) is not a finite rate")
        }
        buffers = restored.map { $0.map { Tensor($0.scalars, shape: $0.shape) } }
        learningRate = Float(rate)
    }
}
