import Testing
import TensorCore
import TestSupport

/// The operations a sequence model needs, against PyTorch (`Fixtures/make_sequence_reference.py`):
/// forward values and the gradients of a random upstream gradient.
@Suite struct SequenceOperationTests {
    static let fixture = try! ReferenceFixture(named: "sequence_reference.json")
    var f: ReferenceFixture { Self.fixture }

    /// Runs `function` on the case's named inputs, backpropagates the case's upstream gradient,
    /// and compares the output and each input's gradient with PyTorch's.
    func check(_ name: String, inputs: [String], relative: Float = 1e-4, absolute: Float = 1e-5,
               sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Tensor]) -> Tensor) {
        let tensors = inputs.map { key -> Tensor in let t = f.tensor(name, key); t.requiresGradient = true; return t }
        let output = function(tensors)
        let expected = f.tensor(name, "out")
        assertClose(output, expected.scalars, shape: expected.shape, relative: relative, absolute: absolute, sourceLocation: sourceLocation)
        output.backward(f.tensor(name, "upstream"))
        for (key, tensor) in zip(inputs, tensors) {
            let gradient = f.tensor(name, "grad_\(key)")
            guard let actual = tensor.gradient else { Issue.record("\(key) got no gradient", sourceLocation: sourceLocation); continue }
            assertClose(actual, gradient.scalars, shape: gradient.shape, relative: relative, absolute: absolute, sourceLocation: sourceLocation)
        }
    }

    func indices(_ name: String, _ key: String) -> IndexTensor { IndexTensor(exactly: f.tensor(name, key)) }

    @Test func permuteMatchesPyTorch() { check("permute", inputs: ["x"]) { $0[0].permuted([2, 0, 3, 1]) } }
    @Test func sliceAlongAnInnerAxisMatchesPyTorch() { check("slice", inputs: ["x"]) { $0[0].sliced(alongAxis: 1, 1..<4) } }
    @Test func triangularPartsMatchPyTorch() {
        check("triangular", inputs: ["x"]) { $0[0].upperTriangular(diagonal: 1) + $0[0].lowerTriangular(diagonal: -1) * 2 }
    }
    @Test func erfMatchesPyTorch() { check("erf", inputs: ["x"]) { erf($0[0]) } }
    @Test func geluMatchesPyTorch() { check("gelu", inputs: ["x"]) { gelu($0[0]) } }
    @Test func geluTanhMatchesPyTorch() { check("gelu_tanh", inputs: ["x"]) { gelu($0[0], approximation: .tanh) } }
    @Test func softmaxAlongAMiddleAxisMatchesPyTorch() { check("softmax_axis1", inputs: ["x"]) { softmax($0[0], alongAxis: 1) } }
    @Test func logSoftmaxAlongTheFirstAxisMatchesPyTorch() { check("log_softmax_axis0", inputs: ["x"]) { logSoftmax($0[0], alongAxis: 0) } }
    @Test func matmulBroadcastsLeadingAxes() { check("matmul_broadcast", inputs: ["a", "b"]) { matmul($0[0], $0[1]) } }

    @Test func layerNormMatchesPyTorch() {
        check("layer_norm", inputs: ["x", "weight", "bias"]) { layerNorm($0[0], weight: $0[1], bias: $0[2]) }
    }

    @Test func embeddingAccumulatesRepeatedIds() {
        let ids = indices("embedding", "ids")
        check("embedding", inputs: ["weight"]) { embedding(ids, weight: $0[0]) }
        #expect(Embedding(count: 10, width: 4)(ids).shape == [2, 3, 4])
    }

    @Test func sequenceCrossEntropyIgnoresPaddingAndSmooths() {
        let logits = f.tensor("cross_entropy_sequence", "logits")
        logits.requiresGradient = true
        let targets = indices("cross_entropy_sequence", "targets")
        let loss = crossEntropy(logits: logits, targets: targets, ignoreIndex: -100, labelSmoothing: 0.1)
        assertClose(loss, f.tensor("cross_entropy_sequence", "loss").scalars, relative: 1e-5)
        loss.backward()
        assertClose(logits.gradient!, f.tensor("cross_entropy_sequence", "grad_logits").scalars, relative: 1e-4, absolute: 1e-6)
    }

    @Test func causalAttentionMatchesPyTorch() {
        check("attention_causal", inputs: ["q", "k", "v"]) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], isCausal: true) }
    }

    @Test func paddingMaskedAttentionMatchesPyTorch() {
        let hidden = f.tensor("attention_padding", "mask")   // 1 where a key is padding
        check("attention_padding", inputs: ["q", "k", "v"]) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: hidden) }
    }

    @Test func multiHeadAttentionLoadsPyTorchWeightsAndMatches() {
        let name = "multi_head_attention"
        let layer = MultiHeadAttention(width: 8, heads: 2, isCausal: true)
        #expect(layer.namedParameters.map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        for (parameter, key) in zip(layer.parameters, ["in_proj_weight", "in_proj_bias", "out_proj_weight", "out_proj_bias"]) {
            parameter.assign(f.tensor(name, key))
        }
        check(name, inputs: ["x"]) { layer($0[0]) }
        assertClose(layer.inputProjectionWeight.gradient!, f.tensor(name, "grad_in_proj_weight").scalars, relative: 1e-4, absolute: 1e-5)
        assertClose(layer.outputProjection.weight.gradient!, f.tensor(name, "grad_out_proj_weight").scalars, relative: 1e-4, absolute: 1e-5)
    }

    @Test func adamWParameterGroupsMatchPyTorch() {
        let name = "adamw_groups"
        let matrix = f.tensor(name, "matrix"), vector = f.tensor(name, "vector")
        matrix.requiresGradient = true; vector.requiresGradient = true
        let optimizer = AdamW(groups: [ParameterGroup([matrix], weightDecay: 0.1),
                                       ParameterGroup([vector], learningRate: 3e-3, weightDecay: 0)],
                              learningRate: 1e-2, beta2: 0.99)
        let gradientsM = f.tensor(name, "grads_matrix"), gradientsV = f.tensor(name, "grads_vector")
        for step in 0..<5 {
            matrix.gradient = gradientsM[step].contiguous()
            vector.gradient = gradientsV[step].contiguous()
            optimizer.step()
        }
        assertClose(matrix, f.tensor(name, "matrix_after").scalars, relative: 1e-5, absolute: 1e-6)
        assertClose(vector, f.tensor(name, "vector_after").scalars, relative: 1e-5, absolute: 1e-6)
    }
}

/// Finite-difference checks of every new primitive's backward, and the views and errors of the
/// axis operations.
@Suite struct SequenceGradientTests {
    @Test func axisOperationsHaveCorrectGradients() {
        let x = Tensor(randomNormal: [2, 3, 4], seed: 3)
        checkGradients(at: [x]) { $0[0].permuted([1, 2, 0]) }
        checkGradients(at: [x]) { $0[0].sliced(alongAxis: 2, 1..<3) }
        checkGradients(at: [x]) { t in let parts = t[0].chunked(into: 2, alongAxis: 1); return parts[0] * 2 + parts[1].sum(alongAxis: 1, keepingDimensions: true) }
        checkGradients(at: [x, Tensor(randomNormal: [2, 3, 4], seed: 4)]) { Tensor(stacking: $0, alongAxis: 1) }
        checkGradients(at: [x]) { $0[0].maskedFill(where: Tensor([1, 0, 0, 1]), with: -3) }
    }

    @Test func activationsAndNormalizationHaveCorrectGradients() {
        let x = Tensor(randomNormal: [3, 6], seed: 5)
        checkGradients(at: [x]) { erf($0[0]) }
        checkGradients(at: [x]) { gelu($0[0]) }
        checkGradients(at: [x]) { gelu($0[0], approximation: .tanh) }
        checkGradients(at: [Tensor(randomNormal: [2, 3, 4], seed: 6)]) { softmax($0[0], alongAxis: 1) }
        checkGradients(at: [Tensor(randomNormal: [2, 3, 4], seed: 7)]) { logSoftmax($0[0], alongAxis: 0) }
        checkGradients(at: [x, Tensor(randomNormal: [6], seed: 8), Tensor(randomNormal: [6], seed: 9)]) {
            layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test func attentionHasCorrectGradients() {
        let q = Tensor(randomNormal: [2, 4, 3], seed: 10), k = Tensor(randomNormal: [2, 4, 3], seed: 11)
        let v = Tensor(randomNormal: [2, 4, 2], seed: 12)
        checkGradients(at: [q, k, v]) { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], isCausal: true) }
        checkGradients(at: [Tensor(randomNormal: [2, 1, 3, 4], seed: 13), Tensor(randomNormal: [3, 4, 2], seed: 14)]) { matmul($0[0], $0[1]) }
    }

    @Test func slicesOfLeadingAxesAreViewsAndOthersCopies() {
        let x = Tensor(rangeFrom: 0, to: 24).reshaped(to: [1, 4, 6])
        #expect(x.sliced(alongAxis: 1, 1..<3).scalars == Array(6..<18).map(Float.init))
        let y = Tensor(rangeFrom: 0, to: 24).reshaped(to: [2, 3, 4])
        #expect(y.sliced(alongAxis: 2, 1..<2).scalars == [1, 5, 9, 13, 17, 21])
        #expect(y.split(sizes: [1, 2], alongAxis: 1).map(\.shape) == [[2, 1, 4], [2, 2, 4]])
        #expect(y.chunked(into: 3, alongAxis: 2).map(\.shape) == [[2, 3, 2], [2, 3, 2]])
        #expect(y.permuted([0, 2, 1]).scalars == y.transposed().scalars)
        #expect(y.swappingAxes(0, 2).shape == [4, 3, 2])
    }

    @Test func fullyCausalRowsSeeOnlyThePast() {
        let scores = Tensor(randomNormal: [1, 3, 3], seed: 1)
        let value = Tensor([[1, 0], [0, 1], [5, 5]]).reshaped(to: [1, 3, 2])
        let out = scaledDotProductAttention(query: scores, key: scores, value: value, isCausal: true)
        #expect(out[0][0].scalars == [1, 0])   // the first position sees only itself
    }

    @Test func indexTensorsHoldWholeNumbersOnly() {
        let ids = IndexTensor([[1, 2, 3], [4, 5, 6]])
        #expect(ids.shape == [2, 3])
        #expect(ids[1..<2].values == [4, 5, 6])
        #expect(ids.gathering(atIndices: [1, 0]).values == [4, 5, 6, 1, 2, 3])
        #expect(ids.reshaped(to: [-1]).shape == [6])
        #expect(IndexTensor(exactly: Tensor([2, 0, 7])).values == [2, 0, 7])
    }

    @Test func initializersFollowPyTorchFans() {
        seedEverything(0)
        let weight = Tensor(parameter: [64, 32, 3, 3], initializer: .kaimingUniform(a: Float(5).squareRoot()))
        #expect(weight.requiresGradient)
        let bound = 1 / Float(32 * 9).squareRoot()
        #expect(weight.scalars.allSatisfy { abs($0) <= bound })
        let xavier = Tensor(parameter: [100, 300], initializer: .xavierNormal())
        let deviation = xavier.variance(alongAxes: [0, 1]).scalar.squareRoot()
        #expect(abs(deviation - (2.0 / 400).squareRoot()) < 0.005)
        #expect(Tensor(parameter: [3], initializer: .constant(0.5)).scalars == [0.5, 0.5, 0.5])
    }

    @Test func sgdParameterGroupsHaveTheirOwnRateAndDecay() {
        let a = Tensor([1, 2]), b = Tensor([3])
        a.requiresGradient = true; b.requiresGradient = true
        let optimizer = SGD(groups: [ParameterGroup([a]), ParameterGroup([b], learningRate: 0.01, weightDecay: 0.5)], learningRate: 0.1)
        a.gradient = Tensor([1, 1]); b.gradient = Tensor([2])
        optimizer.step()
        #expect(a.scalars == [1 - 0.1, 2 - 0.1])
        #expect(b.scalars == [3 - 0.01 * (2 + 0.5 * 3)])
        optimizer.learningRate = 0.05   // a schedule halves every group's rate
        optimizer.step()
        #expect(abs(b.scalars[0] - (2.965 - 0.005 * (2 + 0.5 * 2.965))) < 1e-6)
    }

    @Test func dropoutWorksOnAnyRank() {
        seedEverything(1)
        let dropout = Dropout(probability: 0.5)
        let out = dropout(Tensor(ones: [4, 8, 16]))
        #expect(out.shape == [4, 8, 16])
        #expect(Set(out.scalars).isSubset(of: [0, 2]))
        dropout.eval()
        #expect(dropout(Tensor(ones: [2, 3, 4, 5])).scalars.allSatisfy { $0 == 1 })
    }

    @Test func moduleListNamesItsChildrenByPosition() {
        final class Model: Module {
            let blocks = ModuleList([Linear(inFeatures: 2, outFeatures: 2), Linear(inFeatures: 2, outFeatures: 2)])
            var isTraining = true
            var children: [(String, any Module)] { [("blocks", blocks)] }
            func callAsFunction(_ x: Tensor) -> Tensor { blocks(x) }
        }
        let model = Model()
        #expect(model.namedParameters.map(\.name) == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias"])
        #expect(model(Tensor(ones: [3, 2])).shape == [3, 2])
        #expect(model.blocks.count == 2)
    }
}

/// LSTM and GRU loaded with PyTorch's weights give PyTorch's outputs, states and gradients.
@Suite struct RecurrentLayerTests {
    static let fixture = try! ReferenceFixture(named: "sequence_reference.json")

    func load(_ module: some Module, case name: String) {
        for (parameterName, parameter) in module.namedParameters {
            parameter.assign(Self.fixture.tensor(name, parameterName))
        }
    }

    func expectGradients(_ module: some Module, case name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (parameterName, parameter) in module.namedParameters {
            assertClose(parameter.gradient!, Self.fixture.tensor(name, "grad_\(parameterName)").scalars, relative: 1e-4, absolute: 1e-5,
                        sourceLocation: sourceLocation)
        }
    }

    @Test func lstmMatchesPyTorch() {
        let f = Self.fixture
        let lstm = LSTM(inFeatures: 5, hiddenFeatures: 4, layers: 2)
        #expect(lstm.namedParameters.map(\.name) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                     "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        load(lstm, case: "lstm")
        let x = f.tensor("lstm", "x")
        x.requiresGradient = true
        let (output, state) = lstm(x, initialState: nil)
        assertClose(output, f.tensor("lstm", "out").scalars, shape: [2, 3, 4], relative: 1e-4, absolute: 1e-6)
        assertClose(state.hidden, f.tensor("lstm", "h_n").scalars, shape: [2, 2, 4], relative: 1e-4, absolute: 1e-6)
        assertClose(state.cell, f.tensor("lstm", "c_n").scalars, shape: [2, 2, 4], relative: 1e-4, absolute: 1e-6)
        output.backward(f.tensor("lstm", "upstream"))
        assertClose(x.gradient!, f.tensor("lstm", "grad_x").scalars, relative: 1e-4, absolute: 1e-5)
        expectGradients(lstm, case: "lstm")
    }

    @Test func gruMatchesPyTorch() {
        let f = Self.fixture
        let gru = GRU(inFeatures: 5, hiddenFeatures: 4, layers: 2)
        load(gru, case: "gru")
        let x = f.tensor("gru", "x")
        x.requiresGradient = true
        let (output, state) = gru(x, initialState: nil)
        assertClose(output, f.tensor("gru", "out").scalars, shape: [2, 3, 4], relative: 1e-4, absolute: 1e-6)
        assertClose(state, f.tensor("gru", "h_n").scalars, shape: [2, 2, 4], relative: 1e-4, absolute: 1e-6)
        output.backward(f.tensor("gru", "upstream"))
        assertClose(x.gradient!, f.tensor("gru", "grad_x").scalars, relative: 1e-4, absolute: 1e-5)
        expectGradients(gru, case: "gru")
    }

    @Test func recurrentStateCarriesAcrossCalls() {
        seedEverything(4)
        let gru = GRU(inFeatures: 3, hiddenFeatures: 2)
        let x = Tensor(randomNormal: [1, 6, 3], seed: 2)
        let whole = gru(x, initialState: nil)
        let first = gru(x.sliced(alongAxis: 1, 0..<4), initialState: nil)
        let second = gru(x.sliced(alongAxis: 1, 4..<6), initialState: first.state)
        assertClose(second.output, whole.output.sliced(alongAxis: 1, 4..<6).scalars, relative: 1e-6, absolute: 1e-7)
    }
}
