/// Updates a model's parameters from their gradients.
///
/// An optimizer holds the parameters it was created for and its own per-parameter state
/// (momentum buffers, moment estimates), which it exposes as ``state`` for checkpoints.
///
/// ```swift
/// let optimizer = Adam(for: model, learningRate: 1e-3)
/// let loss = crossEntropy(logits: model(images), labels: labels)
/// optimizer.zeroGradients()
/// loss.backward()
/// optimizer.step()
/// ```
public protocol Optimizer: AnyObject {
    /// The tensors updated by ``step()``, in a fixed order.
    var parameters: [Tensor] { get }

    /// The learning rate the next ``step()`` uses (schedules change it between steps).
    var learningRate: Float { get set }

    /// Updates every parameter that has a gradient; parameters without one are skipped.
    func step()

    /// Everything the optimizer has learned so far, to save in a checkpoint.
    var state: OptimizerState { get }

    /// Restores state saved from an optimizer of the same kind over parameters of the same shapes.
    /// Throws without changing anything if the state does not fit.
    func load(_ state: OptimizerState) throws

    /// The whole state, for a checkpoint any number of processes can resume from. An optimizer
    /// that shards its state across processes (ZeRO) gathers every rank's part into the layout
    /// of the unsharded optimizer: a collective, so every rank calls it. Default: ``state``.
    func gatheredState() throws -> OptimizerState
}

extension Optimizer {
    /// ``state``: nothing to gather for an optimizer that holds all of its state.
    public func gatheredState() throws -> OptimizerState { state }

    /// Clears the gradients of all parameters.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// An optimizer's saved state: named tensors (per-parameter buffers) and named numbers
/// (learning rate, step counts).
public struct OptimizerState {
    /// Per-parameter buffers by name.
    public var tensors: [String: Tensor]
    /// Numbers by name (learning rate, step counts).
    public var numbers: [String: Double]

    /// A state with these entries.
    public init(tensors: [String: Tensor] = [:], numbers: [String: Double] = [:]) {
        self.tensors = tensors
        self.numbers = numbers
    }

    /// The tensor `name`, which must exist and have `shape`.
    func tensor(_ name: String, shape: [Int], optimizer: String) throws -> Tensor {
        guard let tensor = tensors[name] else {
            throw CheckpointError.missingEntry(name: "\(optimizer) state \(name)")
        }
        guard tensor.shape == shape else {
            throw CheckpointError.shapeMismatch(name: "\(optimizer) state \(name)", expected: shape, found: tensor.shape)
        }
        return tensor
    }

    /// The number `name`, which must exist.
    func number(_ name: String, optimizer: String) throws -> Double {
        guard let value = numbers[name] else { throw CheckpointError.missingEntry(name: "\(optimizer) state \(name)") }
        return value
    }
}
