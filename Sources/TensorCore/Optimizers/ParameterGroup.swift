/// Parameters that share optimizer settings different from the optimizer's own (PyTorch's
/// `param_groups`): a GPT decays its matrices but not its biases and gains.
///
/// A group's learning rate follows the optimizer's schedule in proportion: when a scheduler
/// sets the optimizer's ``Optimizer/learningRate`` to half its initial value, every group runs
/// at half its own rate, as PyTorch's multiplicative schedulers do.
///
/// ```swift
/// let matrices = model.namedParameters.filter { $0.tensor.rank >= 2 }.map(\.tensor)
/// let others = model.namedParameters.filter { $0.tensor.rank < 2 }.map(\.tensor)
/// let optimizer = AdamW(groups: [ParameterGroup(matrices, weightDecay: 0.1),
///                                ParameterGroup(others, weightDecay: 0)],
///                       learningRate: 1e-3, beta2: 0.99)
/// ```
public struct ParameterGroup {
    /// The group's tensors.
    public var parameters: [Tensor]
    /// The group's learning rate, or `nil` for the optimizer's.
    public var learningRate: Float?
    /// The group's weight decay, or `nil` for the optimizer's.
    public var weightDecay: Float?

    /// A group of `parameters` with its own learning rate and weight decay where given.
    public init(_ parameters: [Tensor], learningRate: Float? = nil, weightDecay: Float? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// The settings of every parameter of `groups`, in order: each one's share of the
    /// optimizer's learning rate and its weight decay.
    static func settings(_ groups: [ParameterGroup], learningRate: Float, weightDecay: Float, optimizer: String)
        -> (parameters: [Tensor], rateRatios: [Double], decays: [Float]) {
        var parameters: [Tensor] = [], ratios: [Double] = [], decays: [Float] = []
        for group in groups {
            let rate = group.learningRate ?? learningRate, decay = group.weightDecay ?? weightDecay
            guard rate >= 0, decay >= 0 else { fail(optimizer, "group learning rate \(rate) and weight decay \(decay) must be >= 0") }
            let ratio = learningRate > 0 ? Double(rate) / Double(learningRate) : 1
            parameters += group.parameters
            ratios += group.parameters.map { _ in ratio }
            decays += group.parameters.map { _ in decay }
        }
        return (parameters, ratios, decays)
    }
}
