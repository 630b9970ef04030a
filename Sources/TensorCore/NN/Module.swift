/// A piece of a model: a forward computation with named parameters, buffers and child modules.
///
/// A conforming type implements `callAsFunction(_:)` and lists what it owns; everything else
/// (recursive parameter lists with dotted names, train/eval mode, zeroing gradients, counting
/// parameters) comes from the protocol extension. Names follow PyTorch's `state_dict` keys:
/// a `Sequential`'s children are `"0"`, `"1"`, ..., so a two-layer network's parameters are
/// `"0.weight"`, `"0.bias"`, `"2.weight"`, `"2.bias"`.
///
/// ```swift
/// final class Classifier: Module {
///     let fc1 = Linear(inFeatures: 784, outFeatures: 128)
///     let fc2 = Linear(inFeatures: 128, outFeatures: 10)
///     var isTraining = true
///     var children: [(String, any Module)] { [("fc1", fc1), ("fc2", fc2)] }
///     func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x.reshaped(to: [x.shape[0], -1])))) }
/// }
/// let model = Classifier()
/// model.namedParameters.map(\.name)   // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
/// ```
public protocol Module<Input>: AnyObject {
    /// What the forward computation takes: a ``Tensor`` for most layers, an ``IndexTensor`` of
    /// token ids for an ``Embedding`` or a language model. Inferred from `callAsFunction(_:)`.
    associatedtype Input = Tensor

    /// The forward computation.
    func callAsFunction(_ input: Input) -> Tensor

    /// Whether the module is in training mode (dropout active, batch statistics used) or
    /// evaluation mode. Set it for a whole model with ``train()`` and ``eval()``.
    var isTraining: Bool { get set }

    /// This module's own trainable tensors, in a fixed order, without its children's.
    /// Defaults to none.
    var ownParameters: [(String, Tensor)] { get }

    /// This module's own non-trainable state that belongs in a checkpoint (running statistics),
    /// without its children's. Defaults to none.
    var ownBuffers: [(String, Tensor)] { get }

    /// The modules this one is built from, with their names, in a fixed order. Defaults to none.
    var children: [(String, any Module)] { get }
}

extension Module {
    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] { [] }
    /// The layer's own buffers (saved, not trained) with their PyTorch names.
    public var ownBuffers: [(String, Tensor)] { [] }
    /// No children by default.
    public var children: [(String, any Module)] { [] }

    /// Every trainable tensor of this module and its descendants, with dotted names, in a
    /// stable order: own parameters first, then each child's in order.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        ownParameters.map { (name: $0.0, tensor: $0.1) }
            + children.flatMap { prefix, child in child.namedParameters.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) } }
    }

    /// The trainable tensors, in the order of ``namedParameters``.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// Every buffer of this module and its descendants, with dotted names.
    public var namedBuffers: [(name: String, tensor: Tensor)] {
        ownBuffers.map { (name: $0.0, tensor: $0.1) }
            + children.flatMap { prefix, child in child.namedBuffers.map { (name: "\(prefix).\($0.name)", tensor: $0.tensor) } }
    }

    /// Parameters then buffers: everything a model checkpoint holds (PyTorch's `state_dict`).
    public var namedState: [(name: String, tensor: Tensor)] {
        namedParameters + namedBuffers
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.scalarCount }
    }

    /// Puts this module and all its descendants in training mode.
    public func train() { setTraining(true) }

    /// Puts this module and all its descendants in evaluation mode.
    public func eval() { setTraining(false) }

    /// Sets training mode on this module and all its descendants.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for (_, child) in children { child.setTraining(training) }
    }

    /// Clears the gradient of every parameter.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}
