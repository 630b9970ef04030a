import Foundation
import Testing
import MNISTModels
import TensorCore
import TestSupport
import Datasets

/// Exported ONNX models, checked by onnx's checker and run by onnxruntime (`Interop/onnx_run.py`
/// in the interop venv): the same outputs as our forward pass within 1e-5, at batch sizes 1
/// and 7, and the same MNIST test accuracy for a trained CNN.
@Suite(.enabled(if: InteropVenv.path != nil, Comment(rawValue: InteropVenv.skipMessage)), .serialized)
struct ONNXExportTests {
    /// onnxruntime's output for `input` through the model at `path`.
    static func onnxRuntime(_ path: String, _ input: Tensor) throws -> Tensor {
        let folder = try makeTemporaryFolder()
        let inputPath = "\(folder)/input.bin"
        try Data(input.scalars.flatMap { littleEndianBytes(UInt64($0.bitPattern), count: 4) }).write(to: URL(fileURLWithPath: inputPath))
        let shape = input.shape.map(String.init).joined(separator: ",")
        struct Result: Decodable { let shape: [Int]; let output: [Float] }
        let result = try JSONDecoder().decode(Result.self, from: Data(try InteropVenv.run("Interop/onnx_run.py", [path, inputPath, shape]).utf8))
        return Tensor(result.output, shape: result.shape)
    }

    /// Exports `model` and compares onnxruntime with our forward pass at batch sizes 1 and 7.
    static func expectSameOutputs(_ model: any Module<Tensor>, itemShape: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try makeTemporaryFolder() + "/model.onnx"
        try model.exportONNX(to: URL(fileURLWithPath: path), inputShape: [1] + itemShape)
        for batch in [1, 7] {
            let input = Tensor(randomNormal: [batch] + itemShape, seed: UInt64(batch))
            model.eval()
            let ours = withoutGradient { model(input) }
            model.train()
            let theirs = try onnxRuntime(path, input)
            assertClose(theirs, ours.scalars, shape: ours.shape, relative: 1e-5, absolute: 1e-5, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ReferenceModel.allCases)
    func theMNISTModelsRunInOnnxRuntime(_ model: ReferenceModel) throws {
        let network = withRandomScope(seed: 1) { model.makeNetwork() }
        try Self.expectSameOutputs(network, itemShape: [1, 28, 28])
    }

    @Test func layersBeyondMNISTExport() throws {
        let network = withRandomScope(seed: 2) {
            Sequential(Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1), BatchNorm2D(features: 4), Tanh(),
                       AvgPool2D(kernelSize: 2), Flatten(), Linear(inFeatures: 64, outFeatures: 16), GELU(), LayerNorm(features: 16),
                       GELU(approximation: .tanh), Dropout(probability: 0.3), Linear(inFeatures: 16, outFeatures: 5), Sigmoid(), LogSoftmax())
        }
        // Running statistics that are not the defaults, so evaluation mode matters.
        let batchNorm = network.layers[1] as! BatchNorm2D
        batchNorm.runningMean.assign(Tensor([0.1, -0.2, 0.3, 0]))
        batchNorm.runningVariance.assign(Tensor([1.5, 0.5, 2, 1]))
        try Self.expectSameOutputs(network, itemShape: [3, 8, 8])
    }

    /// The GAN's generator: LeakyReLU (its slope as the `alpha` attribute), batch norm over
    /// features, tanh.
    @Test func theGANGeneratorExports() throws {
        let generator = withRandomScope(seed: 3) {
            Sequential(Linear(inFeatures: 100, outFeatures: 64), LeakyReLU(negativeSlope: 0.2), Linear(inFeatures: 64, outFeatures: 32),
                       BatchNorm1D(features: 32), LeakyReLU(negativeSlope: 0.2), Linear(inFeatures: 32, outFeatures: 784), Tanh())
        }
        let batchNorm = generator.layers[3] as! BatchNorm1D
        batchNorm.runningMean.assign(Tensor(randomNormal: [32], seed: 5) * 0.1)
        try Self.expectSameOutputs(generator, itemShape: [100])
    }

    @Test func anUnsupportedOperationIsNamedAndNothingIsWritten() throws {
        final class Slicer: Module {
            var isTraining = true
            func callAsFunction(_ input: Tensor) -> Tensor { input[0..<1] * 2 }
        }
        let path = try makeTemporaryFolder() + "/never.onnx"
        #expect(throws: ONNXExportError.unsupportedOperation("subscript(range)")) {
            try Slicer().exportONNX(to: URL(fileURLWithPath: path), inputShape: [2, 3])
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
    func aTrainedCNNKeepsItsTestAccuracy() throws {
        let mnist = try MNIST.load()
        let network = try withRandomScope(seed: 0) { () throws -> any Module<Tensor> in
            seedEverything(0)
            let network = ReferenceModel.cnn.makeNetwork()
            let optimizer = ReferenceModel.cnn.makeOptimizer(for: network)
            for batch in DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: 0).batches(epoch: 0).prefix(400) {
                optimizer.zeroGradients()
                crossEntropy(logits: network(batch.inputs), labels: batch.labels).backward()
                optimizer.step()
            }
            return network
        }
        let ours = accuracy(of: network, on: mnist.test)
        let path = try makeTemporaryFolder() + "/cnn.onnx"
        try network.exportONNX(to: URL(fileURLWithPath: path), inputShape: [1, 1, 28, 28])
        struct Result: Decodable { let accuracy: Double }
        let theirs = try JSONDecoder().decode(Result.self, from: Data(try InteropVenv.run("Interop/onnx_run.py", [path, "--mnist-accuracy", realMNISTFolder!]).utf8))
        #expect(ours > 0.85)
        #expect(theirs.accuracy == ours, "onnxruntime \(theirs.accuracy), ours \(ours)")
    }
}
