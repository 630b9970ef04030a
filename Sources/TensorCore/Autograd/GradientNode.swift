/// One recorded operation: the tensors it read and the rule that turns the gradient of its
/// output into gradients of those inputs (its pullback).
///
/// The pullback receives the upstream gradient and the operation's output, so nodes never hold
/// their own output (which would be a reference cycle).
final class GradientNode {
    let operation: String
    let inputs: [Tensor]
    let pullback: (_ gradient: Tensor, _ output: Tensor) -> [Tensor?]

    init(operation: String, inputs: [Tensor],
         pullback: @escaping (_ gradient: Tensor, _ output: Tensor) -> [Tensor?]) {
        self.operation = operation
        self.inputs = inputs
        self.pullback = pullback
    }
}

extension Tensor {
    /// Records that `self` was computed by `operation` from `inputs`, when recording is on and
    /// any input needs a gradient. `pullback` returns one gradient per input (or `nil` where the
    /// operation is not differentiable in that input), each of that input's shape.
    @discardableResult
    func recorded(
        _ operation: String, _ inputs: Tensor...,
        pullback: @escaping (_ gradient: Tensor, _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
        recorded(operation, inputs: inputs, pullback: pullback)
    }

    @discardableResult
    func recorded(
        _ operation: String, inputs: [Tensor],
        pullback: @escaping (_ gradient: Tensor, _ output: Tensor) -> [Tensor?]
    ) -> Tensor {
        // One lookup of the task's operation context for the three things it decides.
        let context = OperationContext.current
        if let profiler = context.profiler { profiler.forwardEnded(operation, inputs: inputs, output: self) }
        guard context.isRecordingGradients, inputs.contains(where: \.requiresGradient) else { return self }
        gradientNode = GradientNode(operation: operation, inputs: inputs, pullback: pullback)
        requiresGradient = true
        if let trace = context.trace { trace.record(operation, inputs: inputs, output: self) }
        return self
    }

    /// Computes the gradient of this tensor with respect to every leaf that requires one and
    /// adds it to that leaf's ``gradient``.
    ///
    /// Without an argument the tensor must hold a single element (a loss); otherwise `upstream`
    /// is the gradient flowing into this tensor and must have its shape. The recorded graph is
    /// freed as it is walked, as in PyTorch without `retain_graph`: calling `backward()` twice on
    /// the same graph reaches no leaf the second time.
    public func backward(_ upstream: Tensor? = nil) {
        if let upstream, upstream.shape != shape {
            fail("backward", "upstream gradient of shape \(upstream.shape) for a tensor of shape \(shape)")
        }
        if upstream == nil, scalarCount != 1 {
            fail("backward", "needs an upstream gradient for a tensor of shape \(shape) (only single-element tensors default to 1)")
        }
        let profiler = OperationProfiler.active
        profiler?.backwardStarted()
        defer { profiler?.backwardEnded() }
        withoutGradient {
            var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): upstream ?? Tensor(ones: shape)]
            for tensor in topologicallySorted().reversed() {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let node = tensor.gradientNode else {
                    // A leaf comes after every operation that read it: its gradient is final.
                    tensor.accumulateGradient(gradient)
                    tensor.afterGradientAccumulation?()
                    continue
                }
                // Free the graph as we go: the node's captured inputs are released with it.
                tensor.gradientNode = nil
                let inputGradients = node.pullback(gradient, tensor)
                for (input, inputGradient) in zip(node.inputs, inputGradients) {
                    guard input.requiresGradient, let inputGradient else { continue }
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + inputGradient } ?? inputGradient
                }
                profiler?.backwardNodeEnded(node.operation, inputs: node.inputs, output: tensor)
            }
        }
    }

    /// Tensors reachable from `self` through recorded operations, each after all of its inputs.
    private func topologicallySorted() -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        // Iterative depth-first search, so deep graphs cannot overflow the stack.
        var stack: [(tensor: Tensor, nextInput: Int)] = [(self, 0)]
        while let (tensor, nextInput) = stack.popLast() {
            let inputs = tensor.gradientNode?.inputs ?? []
            if nextInput < inputs.count {
                stack.append((tensor, nextInput + 1))
                let input = inputs[nextInput]
                if input.requiresGradient, visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(tensor)
            }
        }
        return order
    }

    /// Adds `incoming` to this leaf's gradient, in place when the gradient's storage is not shared.
    private func accumulateGradient(_ incoming: Tensor) {
        guard requiresGradient else { return }
        guard let existing = gradient else {
            // A transposed view cannot be added to in place later; store row-major elements.
            gradient = incoming.contiguous()
            return
        }
        existing.addInPlace(incoming)
    }

    /// A tensor with the same elements that records nothing and never receives a gradient.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: offset, isTransposedView: isTransposedView)
    }
}
