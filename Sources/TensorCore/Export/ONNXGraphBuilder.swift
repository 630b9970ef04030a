import Foundation

/// Turns traced operations into an ONNX `ModelProto` (IR version 8, opset 17): nodes in trace
/// order, parameters and constants as initializers with `raw_data`, and a batch dimension left
/// symbolic. Field numbers follow `onnx.proto`.
struct ONNXGraphBuilder {
    private var names: [ObjectIdentifier: String] = [:]
    private var keepAlive: [Tensor] = []
    private var nodes: [ProtobufMessage] = []
    private var initializers: [ProtobufMessage] = []
    private var counter = 0
    /// Whether the graph's input holds token ids (int64) rather than floats.
    private let takesIndices: Bool

    init(parameters: [(name: String, tensor: Tensor)], input: Tensor?) {
        takesIndices = input == nil
        if let input {
            names[ObjectIdentifier(input)] = "input"
            keepAlive.append(input)
        }
        for (name, tensor) in parameters {
            names[ObjectIdentifier(tensor)] = name
            keepAlive.append(tensor)
            initializers.append(Self.floatTensor(name, tensor))
        }
    }

    // MARK: - Values

    private mutating func freshName(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    /// The value name of `tensor`: the input, a parameter, a traced output, or a new constant.
    private mutating func name(of tensor: Tensor) -> String {
        if let name = names[ObjectIdentifier(tensor)] { return name }
        let name = freshName("constant")
        names[ObjectIdentifier(tensor)] = name
        keepAlive.append(tensor)
        initializers.append(Self.floatTensor(name, tensor))
        return name
    }

    private mutating func int64Constant(_ values: [Int], shape: [Int]? = nil) -> String {
        let name = freshName("shape")
        var tensor = ProtobufMessage()
        let dims = shape ?? [values.count]
        if !dims.isEmpty { tensor.appendPackedVarints(1, dims.map(Int64.init)) }
        tensor.appendVarint(2, 7)   // INT64
        tensor.appendString(8, name)
        tensor.appendBytes(9, values.flatMap { littleEndianBytes(UInt64(bitPattern: Int64($0)), count: 8) })
        initializers.append(tensor)
        return name
    }

    private mutating func floatConstant(_ value: Float) -> String {
        name(of: Tensor(value))
    }

    static func floatTensor(_ name: String, _ tensor: Tensor) -> ProtobufMessage {
        var message = ProtobufMessage()
        if !tensor.shape.isEmpty { message.appendPackedVarints(1, tensor.shape.map(Int64.init)) }
        message.appendVarint(2, 1)   // FLOAT
        message.appendString(8, name)
        message.appendBytes(9, tensor.scalars.flatMap { littleEndianBytes(UInt64($0.bitPattern), count: 4) })
        return message
    }

    // MARK: - Nodes

    private enum Attribute {
        case int(Int), ints([Int]), float(Float)
    }

    @discardableResult
    private mutating func emit(_ op: String, _ inputs: [String], output: String? = nil, _ attributes: [(String, Attribute)] = []) -> String {
        let result = output ?? freshName(op.lowercased())
        var node = ProtobufMessage()
        for input in inputs { node.appendString(1, input) }
        node.appendString(2, result)
        node.appendString(3, freshName("node_\(op)"))
        node.appendString(4, op)
        for (name, value) in attributes {
            var attribute = ProtobufMessage()
            attribute.appendString(1, name)
            switch value {
            case .int(let i): attribute.appendVarint(3, Int64(i)); attribute.appendVarint(20, 2)
            case .ints(let list): for i in list { attribute.appendVarint(8, Int64(i)) }; attribute.appendVarint(20, 7)
            case .float(let f): attribute.appendFloat(2, f); attribute.appendVarint(20, 1)
            }
            node.appendMessage(5, attribute)
        }
        nodes.append(node)
        return result
    }

    private static let elementwise = ["+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "relu": "Relu", "sigmoid": "Sigmoid",
                                      "tanh": "Tanh", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "erf": "Erf", "abs": "Abs",
                                      "matmul": "MatMul", "contiguous()": "Identity"]

    /// Appends the ONNX form of one traced operation.
    mutating func append(_ node: ONNXTrace.Node) throws {
        let inputs = node.inputs.map { name(of: $0) }
        let output = freshName("value")
        names[ObjectIdentifier(node.output)] = output
        keepAlive.append(node.output)
        let attribute = { (key: String) in (node.attributes[key] ?? []).map { Int($0) } }
        if let op = Self.elementwise[node.operation] {
            emit(op, inputs, output: output)
            return
        }
        switch node.operation {
        case "linear":
            appendLinear(inputs, inputRank: node.inputs[0].rank, output: output)
        case "leaky_relu":
            emit("LeakyRelu", inputs, output: output, [("alpha", .float(Float(node.attributes["alpha"]?.first ?? 0.01)))])
        case "conv2D":
            let weight = node.inputs[1].shape, p = attribute("padding").first ?? 0, s = attribute("stride").first ?? 1
            emit("Conv", inputs, output: output, [("kernel_shape", .ints([weight[2], weight[3]])), ("strides", .ints([s, s])), ("pads", .ints([p, p, p, p]))])
        case "maxPool2D", "averagePool2D":
            let k = attribute("kernel").first ?? 1, s = attribute("stride").first ?? k, p = attribute("padding").first ?? 0
            var settings: [(String, Attribute)] = [("kernel_shape", .ints([k, k])), ("strides", .ints([s, s])), ("pads", .ints([p, p, p, p]))]
            if node.operation == "averagePool2D" { settings.append(("count_include_pad", .int(1))) }
            emit(node.operation == "maxPool2D" ? "MaxPool" : "AveragePool", inputs, output: output, settings)
        case "reshaped(to:)":
            // Keep the batch symbolic: the leading size is copied (0) or inferred (-1).
            let target = [node.output.shape.first == node.inputs[0].shape.first ? 0 : -1] + node.output.shape.dropFirst()
            emit("Reshape", [inputs[0], int64Constant(target)], output: output)
        case "transposed()":
            let rank = node.output.rank
            emit("Transpose", inputs, output: output, [("perm", .ints(Array(0..<(rank - 2)) + [rank - 1, rank - 2]))])
        case "permuted(_:)":
            emit("Transpose", inputs, output: output, [("perm", .ints(attribute("perm")))])
        case "softmax", "logSoftmax":
            emit(node.operation == "softmax" ? "Softmax" : "LogSoftmax", inputs, output: output, [("axis", .int(attribute("axis").first ?? -1))])
        case "layerNorm":
            let features = node.inputs[0].shape.last ?? 1
            let scale = inputs.count > 1 ? inputs[1] : name(of: Tensor(ones: [features]))
            let epsilon = Float(node.attributes["epsilon"]?.first ?? 1e-5)
            emit("LayerNormalization", [inputs[0], scale] + inputs.dropFirst(2), output: output, [("axis", .int(-1)), ("epsilon", .float(epsilon))])
        case "gelu":
            try appendGELU(input: inputs[0], output: output, tanhForm: attribute("tanh").first == 1)
        case "gathering(atIndices:)" where node.attributes["idsShape"] != nil:
            // An embedding lookup: Gather rows of the weight by the input ids or by constant ids.
            let ids = node.attributes["fromInput"] != nil ? "input" : int64Constant(attribute("ids"), shape: attribute("idsShape"))
            emit("Gather", [inputs[0], ids], output: output, [("axis", .int(0))])
        case "MultiHeadAttention" where attribute("masked").first != 1:
            appendAttention(projection: inputs[0], output: output, time: node.output.shape[1], width: node.output.shape[2],
                            heads: attribute("heads").first ?? 1, causal: attribute("causal").first == 1)
        case "broadcasted(to:)":
            emit("Expand", [inputs[0], int64Constant([1] + node.output.shape.dropFirst())], output: output)
        default:
            throw ONNXExportError.unsupportedOperation(node.operation)
        }
    }

    /// A linear layer: one Gemm for matrices, MatMul (and Add) for higher ranks.
    private mutating func appendLinear(_ inputs: [String], inputRank: Int, output: String) {
        let transposed = emit("Transpose", [inputs[1]], [("perm", .ints([1, 0]))])
        if inputRank == 2 {
            emit("Gemm", [inputs[0], inputs[1]] + inputs.dropFirst(2), output: output, [("transB", .int(1))])
        } else if inputs.count == 3 {
            emit("Add", [emit("MatMul", [inputs[0], transposed]), inputs[2]], output: output)
        } else {
            emit("MatMul", [inputs[0], transposed], output: output)
        }
    }

    /// GELU in opset 17, which has no Gelu operator: through Erf, or through Tanh for the
    /// approximation.
    private mutating func appendGELU(input x: String, output: String, tanhForm: Bool) throws {
        let half = floatConstant(0.5), one = floatConstant(1)
        let inner: String
        if tanhForm {
            let cube = emit("Mul", [emit("Mul", [x, x]), x])
            let sum = emit("Add", [x, emit("Mul", [cube, floatConstant(0.044715)])])
            inner = emit("Tanh", [emit("Mul", [sum, floatConstant(0.7978845608)])])
        } else {
            inner = emit("Erf", [emit("Mul", [x, floatConstant(0.70710678)])])
        }
        emit("Mul", [emit("Mul", [x, half]), emit("Add", [inner, one])], output: output)
    }

    /// Self-attention from the input projection `[batch, time, 3·width]`: split into heads,
    /// scaled products, the causal mask as an added constant, softmax, and the heads joined.
    private mutating func appendAttention(projection: String, output: String, time: Int, width: Int, heads: Int, causal: Bool) {
        let depth = width / heads
        let split = emit("Reshape", [projection, int64Constant([0, time, 3, heads, depth])])
        let parts = emit("Transpose", [split], [("perm", .ints([2, 0, 3, 1, 4]))])   // [3, batch, heads, time, depth]
        func part(_ index: Int) -> String { emit("Gather", [parts, int64Constant([index], shape: [])], [("axis", .int(0))]) }
        let (query, key, value) = (part(0), part(1), part(2))
        let keyT = emit("Transpose", [key], [("perm", .ints([0, 1, 3, 2]))])
        var scores = emit("Mul", [emit("MatMul", [query, keyT]), floatConstant(1 / Float(depth).squareRoot())])
        if causal {
            var mask = [Float](repeating: 0, count: time * time)
            for row in 0..<time { for column in (row + 1)..<max(time, row + 1) { mask[row * time + column] = -.infinity } }
            scores = emit("Add", [scores, name(of: Tensor(mask, shape: [time, time]))])
        }
        let attended = emit("MatMul", [emit("Softmax", [scores], [("axis", .int(-1))]), value])
        let joined = emit("Transpose", [attended], [("perm", .ints([0, 2, 1, 3]))])
        emit("Reshape", [joined, int64Constant([0, time, width])], output: output)
    }

    // MARK: - The model

    private static func valueInfo(_ name: String, shape: [Int], elementType: Int64 = 1) -> ProtobufMessage {
        var dims = ProtobufMessage()
        for (axis, size) in shape.enumerated() {
            var dim = ProtobufMessage()
            if axis == 0 { dim.appendString(2, "batch") } else { dim.appendVarint(1, Int64(size)) }
            dims.appendMessage(1, dim)
        }
        var tensorType = ProtobufMessage()
        tensorType.appendVarint(1, elementType)   // 1 FLOAT, 7 INT64
        tensorType.appendMessage(2, dims)
        var type = ProtobufMessage()
        type.appendMessage(1, tensorType)
        var info = ProtobufMessage()
        info.appendString(1, name)
        info.appendMessage(2, type)
        return info
    }

    /// The `ModelProto` whose graph computes `output` from the input.
    mutating func model(output: Tensor, inputShape: [Int]) -> [UInt8] {
        emit("Identity", [name(of: output)], output: "output")
        var graph = ProtobufMessage()
        for node in nodes { graph.appendMessage(1, node) }
        graph.appendString(2, "swifttrain")
        for initializer in initializers { graph.appendMessage(5, initializer) }
        graph.appendMessage(11, Self.valueInfo("input", shape: inputShape, elementType: takesIndices ? 7 : 1))
        graph.appendMessage(12, Self.valueInfo("output", shape: output.shape))
        var opset = ProtobufMessage()
        opset.appendString(1, "")
        opset.appendVarint(2, 17)
        var model = ProtobufMessage()
        model.appendVarint(1, 8)   // IR version 8
        model.appendString(2, "SwiftTrain")
        model.appendString(3, "1")
        model.appendMessage(7, graph)
        model.appendMessage(8, opset)
        return model.bytes
    }
}
