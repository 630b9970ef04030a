/// The operations of one forward pass, recorded for ONNX export (as `torch.onnx.export` traces).
///
/// Every primitive already reports itself to autograd through `recorded(...)`; while a trace is
/// active there, each recorded operation is also appended here with its inputs and output, and
/// primitives with settings (a convolution's stride, a softmax's axis) annotate their node. The
/// exporter then turns the nodes into ONNX operators.
/// `@unchecked Sendable`: a trace is written by the one task running the traced forward pass.
final class ONNXTrace: @unchecked Sendable {
    /// One recorded operation.
    struct Node {
        let operation: String
        let inputs: [Tensor]
        let output: Tensor
        var attributes: [String: [Double]] = [:]
    }

    /// The trace in progress in this task, if any.
    static var current: ONNXTrace? { OperationContext.current.trace }

    /// Runs `body` with this trace recording its operations.
    func recording<Result>(_ body: () throws -> Result) rethrows -> Result {
        try OperationContext.with({ $0.trace = self }, body)
    }

    /// The token ids a language model was traced with: an embedding of exactly these reads the
    /// graph's input; any other ids are constants (positions).
    var inputIndices: IndexTensor?

    private(set) var nodes: [Node] = []
    private var nodeOfOutput: [ObjectIdentifier: Int] = [:]

    func record(_ operation: String, inputs: [Tensor], output: Tensor) {
        nodeOfOutput[ObjectIdentifier(output)] = nodes.count
        // The node keeps its tensors alive, so no identifier is reused during the trace.
        nodes.append(Node(operation: operation, inputs: inputs, output: output))
    }

    func annotate(_ output: Tensor, _ attributes: [String: [Double]]) {
        guard let index = nodeOfOutput[ObjectIdentifier(output)] else { return }
        nodes[index].attributes.merge(attributes) { _, new in new }
    }

    /// Whether `tensor` is the output of a recorded operation.
    func isTraced(_ tensor: Tensor) -> Bool { nodeOfOutput[ObjectIdentifier(tensor)] != nil }
}

extension Tensor {
    /// Attaches export settings to the operation that produced this tensor, while tracing.
    @discardableResult
    func annotatingONNX(_ attributes: @autoclosure () -> [String: [Double]]) -> Tensor {
        if let trace = ONNXTrace.current { trace.annotate(self, attributes()) }
        return self
    }
}
