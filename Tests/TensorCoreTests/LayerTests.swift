import Testing
import TensorCore
import TestSupport

/// Layers against PyTorch (`Fixtures/make_torch_reference.py`): outputs and every gradient for
/// a random upstream gradient.
@Suite struct LayerTests {
    static let torch = try! ReferenceFixture(named: "torch_reference.json")

    /// Runs `forward` on the case's leaves, back-propagates the case's `upstream`, and compares
    /// the output and the named gradients.
    func check(_ name: String, leaves: [String], sourceLocation: SourceLocation = #_sourceLocation,
               forward: ([Tensor]) -> Tensor) {
        let f = Self.torch
        let inputs = leaves.map { f.tensor(name, $0) }
        for input in inputs { input.requiresGradient = true }
        let output = forward(inputs)
        assertClose(output, f.tensor(name, "out"), relative: 1e-4, absolute: 1e-5, sourceLocation: sourceLocation)
        output.backward(f.tensor(name, "upstream"))
        for (leaf, input) in zip(leaves, inputs) {
            assertClose(input.gradient!, f.tensor(name, "grad_\(leaf)"), relative: 1e-4, absolute: 1e-5, sourceLocation: sourceLocation)
        }
    }

    @Test func linearMatchesPyTorch() {
        check("linear", leaves: ["x", "weight", "bias"]) { linear($0[0], weight: $0[1], bias: $0[2]) }
    }

    @Test(arguments: [(1, 0), (2, 1)])
    func convolutionMatchesPyTorch(_ geometry: (stride: Int, padding: Int)) {
        check("conv2d_s\(geometry.stride)_p\(geometry.padding)", leaves: ["x", "weight", "bias"]) {
            conv2D($0[0], weight: $0[1], bias: $0[2], stride: geometry.stride, padding: geometry.padding)
        }
    }

    @Test func poolingMatchesPyTorch() {
        check("max_pool_2", leaves: ["x"]) { maxPool2D($0[0], kernelSize: 2) }
        check("max_pool_3_s2_p1", leaves: ["x"]) { maxPool2D($0[0], kernelSize: 3, stride: 2, padding: 1) }
        check("avg_pool_2", leaves: ["x"]) { averagePool2D($0[0], kernelSize: 2) }
    }

    /// Wide inputs fill the 2x2 kernel's vectors of eight windows (the PyTorch fixture is too
    /// narrow for it): values and gradients against a naive loop, including ties and the tail.
    /// 19 output columns are two vectors of 8 windows and a tail of 3. The gradient is written
    /// whole where windows tile the plane, and scattered where a last row and column are left
    /// out (7x39). The last case is a row of exactly 8 windows.
    @Test(arguments: [(2, 3, 6, 38), (2, 3, 7, 39), (1, 2, 4, 16)])
    func wideMaxPoolingMatchesANaiveLoop(_ size: (Int, Int, Int, Int)) {
        let (n, c, h, w) = size
        var values = Tensor(randomNormal: [n, c, h, w], seed: 21).scalars
        for i in stride(from: 0, to: values.count, by: 7) { values[i + 1 < values.count ? i + 1 : i] = values[i] }   // ties
        let x = Tensor(values, shape: [n, c, h, w])
        x.requiresGradient = true
        let y = maxPool2D(x, kernelSize: 2)
        let upstream = Tensor(randomNormal: y.shape, seed: 22)
        y.backward(upstream)
        var expected: [Float] = [], expectedGradient = [Float](repeating: 0, count: values.count)
        let g = upstream.scalars
        for plane in 0..<(n * c) {
            for oh in 0..<(h / 2) {
                for ow in 0..<(w / 2) {
                    var best = -Float.infinity, at = 0
                    for kh in 0..<2 { for kw in 0..<2 {
                        let i = plane * h * w + (2 * oh + kh) * w + 2 * ow + kw
                        if values[i] > best { best = values[i]; at = i }
                    } }
                    expected.append(best)
                    expectedGradient[at] += g[plane * (h / 2) * (w / 2) + oh * (w / 2) + ow]
                }
            }
        }
        #expect(y.scalars == expected)
        #expect(x.gradient!.scalars == expectedGradient)
    }

    /// A NaN under a window wins it and passes the gradient, as in PyTorch, wherever it sits: in a
    /// vector step of 8 or 4 windows, in the scalar tail, or in the bottom row. The fast kernel
    /// notices it in the same pass and the plane is pooled again NaN-aware.
    @Test func maxPoolingPropagatesNaN() {
        let (h, w) = (4, 26)   // 13 windows a row: 8, 4 and a tail of 1
        var values = Tensor(randomNormal: [1, 1, h, w], seed: 23).scalars
        for position in [3, 2 * w + 17, w + 24, 2 * w + 25] { values[position] = .nan }
        let x = Tensor(values, shape: [1, 1, h, w])
        x.requiresGradient = true
        let y = maxPool2D(x, kernelSize: 2)
        y.backward(Tensor(Array(repeating: 1, count: y.scalarCount), shape: y.shape))
        var expectedGradient = [Float](repeating: 0, count: values.count)
        for oh in 0..<(h / 2) {
            for ow in 0..<(w / 2) {
                let window = [0, 1, w, w + 1].map { 2 * oh * w + 2 * ow + $0 }
                let chosen = window.first { values[$0].isNaN } ?? window.max { values[$0] < values[$1] }!
                let pooled = y.scalars[oh * (w / 2) + ow]
                #expect(values[chosen].isNaN ? pooled.isNaN : pooled == values[chosen], "window \(oh), \(ow)")
                expectedGradient[chosen] += 1
            }
        }
        #expect(x.gradient!.scalars == expectedGradient)
    }

    /// Single-channel inputs that need no gradient take the direct path; the same inputs needing a
    /// gradient take im2col + GEMM. Both must agree, output and parameter gradients. The cases
    /// cover the register-tiled kernels (5x5 and 3x3 weight gradients, a last block of fewer
    /// channels than a tile holds, an odd number of output rows for AVX-512's row pairs, rows of
    /// full and partial 16-column chunks) and the plain loop (7x7).
    @Test(arguments: [(28, 28, 5, 4), (13, 19, 5, 6), (12, 40, 3, 10), (20, 20, 7, 5)])
    func directFirstLayerConvolutionMatchesIm2col(_ size: (height: Int, width: Int, kernel: Int, channels: Int)) {
        let k = size.kernel
        let x = Tensor(randomNormal: [3, 1, size.height, size.width], seed: 31)
        let weight = Tensor(randomNormal: [size.channels, 1, k, k], seed: 32), bias = Tensor(randomNormal: [size.channels], seed: 33)
        let upstream = Tensor(randomNormal: [3, size.channels, size.height - k + 1, size.width - k + 1], seed: 34)
        func run(inputNeedsGradient: Bool) -> (Tensor, Tensor, Tensor) {
            let w = Tensor(weight.scalars, shape: weight.shape), b = Tensor(bias.scalars, shape: bias.shape)
            let input = Tensor(x.scalars, shape: x.shape)
            w.requiresGradient = true
            b.requiresGradient = true
            input.requiresGradient = inputNeedsGradient
            let y = conv2D(input, weight: w, bias: b)
            y.backward(upstream)
            return (y, w.gradient!, b.gradient!)
        }
        let direct = run(inputNeedsGradient: false), unrolled = run(inputNeedsGradient: true)
        assertClose(direct.0, unrolled.0, relative: 1e-5, absolute: 1e-5)
        assertClose(direct.1, unrolled.1, relative: 1e-4, absolute: 1e-4)
        assertClose(direct.2, unrolled.2, relative: 1e-5, absolute: 1e-4)
    }

    /// Few channels and whole 16-value vectors of output positions take the register-tiled
    /// products (CKernels) instead of BLAS: output and all three gradients against naive loops,
    /// with tiles cut at the edges (5 channels, 27 taps), padding, stride, and MNIST's conv2.
    /// Stride 1 without padding reads the input itself: vectors of two 8-wide rows (conv2; 6 rows
    /// leave a tile of 3 vectors), of one 16-wide row, and of 32-wide rows over several tiles.
    @Test(arguments: [([3, 4, 10, 10], [5, 4, 3, 3], 1, 0), ([2, 3, 8, 8], [6, 3, 3, 3], 1, 1),
                      ([2, 3, 17, 17], [4, 3, 3, 3], 2, 0), ([2, 10, 12, 12], [20, 10, 5, 5], 1, 0),
                      ([3, 2, 10, 12], [7, 2, 5, 5], 1, 0), ([2, 3, 6, 18], [5, 3, 3, 3], 1, 0),
                      ([2, 2, 7, 34], [9, 2, 3, 3], 1, 0)])
    func blockConvolutionMatchesNaiveLoops(_ shapes: (input: [Int], weight: [Int], stride: Int, padding: Int)) {
        let x = Tensor(randomNormal: shapes.input, seed: 41), w = Tensor(randomNormal: shapes.weight, seed: 42)
        let b = Tensor(randomNormal: [shapes.weight[0]], seed: 43)
        for t in [x, w, b] { t.requiresGradient = true }
        let y = conv2D(x, weight: w, bias: b, stride: shapes.stride, padding: shapes.padding)
        let upstream = Tensor(randomNormal: y.shape, seed: 44)
        y.backward(upstream)
        let reference = naiveConvolution(x.scalars, shapes.input, w.scalars, shapes.weight, b.scalars, upstream.scalars,
                                         stride: shapes.stride, padding: shapes.padding)
        assertClose(y, Tensor(reference.output, shape: y.shape), relative: 1e-4, absolute: 1e-4)
        assertClose(x.gradient!, Tensor(reference.input, shape: x.shape), relative: 1e-4, absolute: 1e-4)
        assertClose(w.gradient!, Tensor(reference.weight, shape: w.shape), relative: 1e-4, absolute: 1e-3)
        assertClose(b.gradient!, Tensor(reference.bias, shape: b.shape), relative: 1e-4, absolute: 1e-3)
    }

    /// Cross-correlation and its three gradients as plain loops, in Double.
    func naiveConvolution(_ x: [Float], _ xs: [Int], _ w: [Float], _ ws: [Int], _ b: [Float], _ g: [Float], stride: Int, padding: Int)
        -> (output: [Float], input: [Float], weight: [Float], bias: [Float]) {
        let (n, c, h, wd, o, k) = (xs[0], xs[1], xs[2], xs[3], ws[0], ws[2])
        let oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1
        var output = [Double](repeating: 0, count: n * o * oh * ow), dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: o)
        for s in 0..<n { for q in 0..<o { for i in 0..<oh { for j in 0..<ow {
            let at = ((s * o + q) * oh + i) * ow + j
            var sum = Double(b[q])
            db[q] += Double(g[at])
            for ch in 0..<c { for u in 0..<k { for v in 0..<k {
                let y = i * stride - padding + u, z = j * stride - padding + v
                guard y >= 0, y < h, z >= 0, z < wd else { continue }
                let xi = ((s * c + ch) * h + y) * wd + z, wi = ((q * c + ch) * k + u) * k + v
                sum += Double(x[xi]) * Double(w[wi])
                dx[xi] += Double(g[at]) * Double(w[wi])
                dw[wi] += Double(g[at]) * Double(x[xi])
            } } }
            output[at] = sum
        } } } }
        return (output.map(Float.init), dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }

    @Test func softmaxMatchesPyTorch() {
        check("softmax", leaves: ["x"]) { softmax($0[0], alongAxis: 1) }
    }

    @Test(arguments: ["batch_norm_1d", "batch_norm_2d"])
    func batchNormMatchesPyTorch(_ name: String) {
        let f = Self.torch
        let x = f.tensor(name, "x")
        let layer: BatchNormalization = x.rank == 2 ? BatchNorm1D(features: 3) : BatchNorm2D(features: 3)
        layer.weight.assign(f.tensor(name, "weight"))
        layer.bias.assign(f.tensor(name, "bias"))
        x.requiresGradient = true
        let y = layer(x)
        assertClose(y, f.tensor(name, "out"), relative: 1e-4, absolute: 1e-5)
        y.backward(f.tensor(name, "upstream"))
        assertClose(x.gradient!, f.tensor(name, "grad_x"), relative: 1e-3, absolute: 1e-4)
        assertClose(layer.weight.gradient!, f.tensor(name, "grad_weight"), relative: 1e-4, absolute: 1e-4)
        assertClose(layer.bias.gradient!, f.tensor(name, "grad_bias"), relative: 1e-4, absolute: 1e-4)
        assertClose(layer.runningMean, f.tensor(name, "running_mean"), relative: 1e-5, absolute: 1e-6)
        assertClose(layer.runningVariance, f.tensor(name, "running_var"), relative: 1e-5, absolute: 1e-6)
        #expect(layer.batchesTracked.scalar == 1)
        layer.eval()
        assertClose(layer(f.tensor(name, "eval_x")), f.tensor(name, "eval_out"), relative: 1e-4, absolute: 1e-5)
    }

    @Test func convolutionAndPoolingPassTheGradientCheck() {
        checkGradients(at: [Tensor(randomNormal: [2, 2, 5, 4], seed: 1), Tensor(randomNormal: [3, 2, 2, 3], seed: 2), Tensor(randomNormal: [3], seed: 3)]) {
            conv2D($0[0], weight: $0[1], bias: $0[2], stride: 1, padding: 1)
        }
        // Distinct values keep the max away from ties, where finite differences straddle a kink.
        let distinct = Tensor((0..<32).map { Float(($0 * 7) % 32) / 4 }, shape: [1, 2, 4, 4])
        checkGradients(at: [distinct]) { maxPool2D($0[0], kernelSize: 2) }
        checkGradients(at: [Tensor(randomNormal: [1, 2, 4, 4], seed: 5)]) { averagePool2D($0[0], kernelSize: 2) }
    }

    @Test func namedParametersFollowPyTorchNaming() {
        let model = Sequential(Flatten(), Linear(inFeatures: 4, outFeatures: 3), ReLU(), Linear(inFeatures: 3, outFeatures: 2, hasBias: false))
        #expect(model.namedParameters.map(\.name) == ["1.weight", "1.bias", "3.weight"])
        #expect(model.parameterCount == 4 * 3 + 3 + 3 * 2)
        let norm = BatchNorm1D(features: 2)
        #expect(norm.namedState.map(\.name) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(norm.namedParameters.count == 2)
    }

    @Test func trainAndEvalReachEveryDescendant() {
        let dropout = Dropout(probability: 0.5)
        let model = Sequential(Linear(inFeatures: 2, outFeatures: 2), Sequential(dropout))
        model.eval()
        #expect(!dropout.isTraining)
        let x = Tensor(ones: [3, 2])
        #expect(dropout(x).scalars == x.scalars)
        model.train()
        #expect(dropout.isTraining)
    }

    @Test func zeroGradientsClearsEveryParameter() {
        let model = Sequential(Linear(inFeatures: 2, outFeatures: 2))
        model(Tensor(ones: [1, 2])).sum().backward()
        #expect(model.parameters.allSatisfy { $0.gradient != nil })
        model.zeroGradients()
        #expect(model.parameters.allSatisfy { $0.gradient == nil })
    }

    @Test func dropoutZeroesTheRightFractionAndRescales() { withRandomScope(seed: 3) {
        let y = Dropout(probability: 0.3)(Tensor(ones: [100_000]))
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / 100_000 - 0.3) < 0.01)
        #expect(Set(y.scalars) == [0, Float(1 / 0.7)])
        let planes = Dropout2D(probability: 0.5)(Tensor(ones: [8, 16, 3, 3])).reshaped(to: [128, 9]).scalars
        for plane in 0..<128 {
            #expect(Set(planes[(plane * 9)..<(plane * 9 + 9)]).count == 1, "channel \(plane) is dropped whole or kept whole")
        }
    } }

    @Test func initializationMatchesPyTorchBounds() { withRandomScope(seed: 0) {
        let layer = Linear(inFeatures: 100, outFeatures: 50)
        let bound: Float = 0.1
        #expect(layer.weight.max().scalar <= bound && layer.weight.min().scalar >= -bound)
        #expect(layer.weight.max().scalar > 0.09 && layer.weight.min().scalar < -0.09)
        #expect(layer.bias!.max().scalar <= bound)
        let conv = Conv2D(inChannels: 4, outChannels: 2, kernelSize: 5)
        #expect(conv.weight.max().scalar <= 0.1 && conv.weight.max().scalar > 0.09)
        seedEverything(0)
        let repeated = Linear(inFeatures: 100, outFeatures: 50).weight.scalars == layer.weight.scalars
        #expect(repeated, "seedEverything(0) did not repeat the initialization")
    } }
}

/// Losses against PyTorch.
@Suite struct LossTests {
    static let torch = LayerTests.torch

    @Test(arguments: [Float(0), Float(0.1)])
    func crossEntropyMatchesPyTorch(_ smoothing: Float) {
        let name = "cross_entropy_smoothing_\(smoothing)"
        let logits = Self.torch.tensor(name, "logits")
        logits.requiresGradient = true
        let loss = crossEntropy(logits: logits, labels: Self.torch.tensor(name, "labels"), labelSmoothing: smoothing)
        assertClose(loss, Self.torch.tensor(name, "out"), relative: 1e-5)
        loss.backward()
        assertClose(logits.gradient!, Self.torch.tensor(name, "grad_logits"), relative: 1e-4, absolute: 1e-6)
    }

    @Test func crossEntropyReductions() {
        let f = Self.torch
        let labels = f.tensor("cross_entropy_none", "labels")
        assertClose(crossEntropy(logits: f.tensor("cross_entropy_none", "logits"), labels: labels, reduction: .none),
                    f.tensor("cross_entropy_none", "out"), relative: 1e-5)
        assertClose(crossEntropy(logits: f.tensor("cross_entropy_sum", "logits"), labels: labels, reduction: .sum),
                    f.tensor("cross_entropy_sum", "out"), relative: 1e-5)
        checkGradients(at: [Tensor(randomNormal: [4, 3], seed: 1)]) {
            crossEntropy(logits: $0[0], labels: Tensor([0, 2, 1, 2]), labelSmoothing: 0.2, reduction: .none)
        }
    }

    @Test func otherLossesMatchPyTorch() {
        let f = Self.torch
        let logits = f.tensor("nll_of_log_softmax", "logits")
        logits.requiresGradient = true
        let nll = nllLoss(logProbabilities: logSoftmax(logits, alongAxis: 1), labels: f.tensor("nll_of_log_softmax", "labels"))
        assertClose(nll, f.tensor("nll_of_log_softmax", "out"), relative: 1e-5)
        nll.backward()
        assertClose(logits.gradient!, f.tensor("nll_of_log_softmax", "grad_logits"), relative: 1e-4, absolute: 1e-6)

        let predicted = f.tensor("mse", "predicted")
        predicted.requiresGradient = true
        let mse = meanSquaredError(predicted: predicted, expected: f.tensor("mse", "expected"))
        assertClose(mse, f.tensor("mse", "out"), relative: 1e-5)
        mse.backward()
        assertClose(predicted.gradient!, f.tensor("mse", "grad_predicted"), relative: 1e-5)

        let z = f.tensor("bce_with_logits", "logits")
        z.requiresGradient = true
        let bce = binaryCrossEntropy(logits: z, labels: f.tensor("bce_with_logits", "labels"))
        assertClose(bce, f.tensor("bce_with_logits", "out"), relative: 1e-5)
        bce.backward()
        assertClose(z.gradient!, f.tensor("bce_with_logits", "grad_logits"), relative: 1e-4, absolute: 1e-6)
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        let loss = crossEntropy(logits: Tensor([[1000, 0], [-1000, 1000]]), labels: Tensor([0, 1]))
        #expect(loss.scalar == 0)
    }

    @Test func labelOutOfRangeNamesTheRow() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = crossEntropy(logits: Tensor(zeros: [2, 3]), labels: Tensor([1, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("crossEntropy: label 3.0 at row 1 is not a class index in 0..<3"))
    }
}
