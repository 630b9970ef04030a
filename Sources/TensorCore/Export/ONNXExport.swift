import Foundation

/// Why a model could not be exported to ONNX.
public enum ONNXExportError: Error, CustomStringConvertible, Equatable {
    /// The forward pass used an operation the exporter cannot express; nothing was written.
    case unsupportedOperation(String)
    /// The model's output does not depend on its input.
    case outputNotTraced

    /// What is wrong, in one line.
    public var description: String {
        switch self {
        case .unsupportedOperation(let name): "ONNX export: the operation \(name) has no ONNX form yet; no file was written"
        case .outputNotTraced: "ONNX export: the model's output does not depend on its input"
        }
    }
}

extension Module where Input == Tensor {
    /// Writes this model as an ONNX file that onnxruntime runs (IR version 8, opset 17), with
    /// the weights as initializers and a symbolic batch dimension named `batch`.
    ///
    /// The model is traced: one forward pass in evaluation mode on zeros of `inputShape` (batch
    /// first; any batch size) records every operation, as `torch.onnx.export` does, so custom
    /// modules export without extra code. Dropout disappears and batch normalization uses its
    /// running statistics. The input is named `input` and the output `output`.
    ///
    /// ```swift
    /// try model.exportONNX(to: URL(fileURLWithPath: "mnist.onnx"), inputShape: [1, 1, 28, 28])
    /// ```
    /// - Throws: ``ONNXExportError/unsupportedOperation(_:)`` naming the first operation without an
    ///   ONNX form (no file is written), or a file error.
    public func exportONNX(to url: URL, inputShape: [Int]) throws {
        try writeAtomically(try onnxModel(inputShape: inputShape), to: url.path)
    }

    /// The ONNX model as bytes (see ``exportONNX(to:inputShape:)``).
    public func onnxModel(inputShape: [Int]) throws -> [UInt8] {
        let wasTraining = isTraining
        eval()
        defer { setTraining(wasTraining) }
        let input = Tensor(zeros: inputShape)
        input.requiresGradient = true
        let trace = ONNXTrace()
        let output = withRandomScope(seed: 0) { trace.recording { self(input) } }
        guard trace.isTraced(output) else { throw ONNXExportError.outputNotTraced }
        var graph = ONNXGraphBuilder(parameters: namedState, input: input)
        for node in trace.nodes { try graph.append(node) }
        return graph.model(output: output, inputShape: inputShape)
    }
}

extension Module where Input == IndexTensor {
    /// Writes this language model as an ONNX file whose input is int64 token ids
    /// `[batch, time]` (the batch symbolic, `time` fixed by `inputShape`): embeddings become
    /// Gather, attention MatMul/Softmax with its causal mask, GELU goes through Erf.
    ///
    /// ```swift
    /// try gpt.exportONNX(to: URL(fileURLWithPath: "gpt.onnx"), inputShape: [1, 64])
    /// ```
    /// - Throws: ``ONNXExportError/unsupportedOperation(_:)`` naming the first operation without an
    ///   ONNX form (no file is written), or a file error.
    public func exportONNX(to url: URL, inputShape: [Int]) throws {
        try writeAtomically(try onnxModel(inputShape: inputShape), to: url.path)
    }

    /// The ONNX model as bytes (see ``exportONNX(to:inputShape:)``).
    public func onnxModel(inputShape: [Int]) throws -> [UInt8] {
        guard inputShape.count == 2 else { fail("exportONNX", "token ids must be [batch, time], got \(inputShape)") }
        let wasTraining = isTraining
        eval()
        defer { setTraining(wasTraining) }
        let ids = IndexTensor([Int32](repeating: 0, count: inputShape.reduce(1, *)), shape: inputShape)
        let trace = ONNXTrace()
        trace.inputIndices = ids
        let output = withRandomScope(seed: 0) { trace.recording { self(ids) } }
        guard trace.isTraced(output) else { throw ONNXExportError.outputNotTraced }
        var graph = ONNXGraphBuilder(parameters: namedState, input: nil)
        for node in trace.nodes { try graph.append(node) }
        return graph.model(output: output, inputShape: inputShape)
    }
}
