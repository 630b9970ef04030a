import Datasets
import Foundation
import MNISTModels
import TensorCore

/// `mnist-gan`: one GAN run under the chosen frontend, its grids, record and optional digit check.
public func runGANProgram() {
    runCommandLineProgram("mnist-gan", usage: GANOptions.usage) {
        let options = try GANOptions(parsing: Array(CommandLine.arguments.dropFirst()))
        let mnist = try MNIST.load(from: options.dataDirectory)
        try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        print("mnist-gan: \(options.frontend), \(options.epochs) epoch(s), batch \(options.batchSize), seed \(options.seed); kernels \(InstructionSet.active)")
        var result = switch options.frontend {
        case "events": try trainGANWithEvents(options, data: mnist)
        case "structured": try trainGANWithStructured(options, data: mnist)
        default: try trainGANWithCore(options, data: mnist)
        }
        print(String(format: "trained in %.2f s (%.1f ms/step), final d_loss %.4f, g_loss %.4f, weights %08x",
                     result.trainSeconds, result.millisecondsPerStep, result.finalDiscriminatorLoss, result.finalGeneratorLoss, result.weightsCRC32))
        if options.checkEpochs > 0 {
            let (classifier, accuracy) = DigitCheck.trainClassifier(on: mnist, epochs: options.checkEpochs)
            let generator = try finalGenerator(result, options: options)
            let check = DigitCheck(generator: generator, classifier: classifier, classifierAccuracy: accuracy, realDigits: mnist.test)
            result.check = check
            print(String(format: "digit check: %.1f%% of %d samples confident (> 0.9), per digit %@; the judge: test accuracy %.4f, "
                         + "confident on %.1f%% of real test digits; %@", check.confidentShare * 100, check.samples,
                         check.confidentPerDigit.description, accuracy, check.classifierConfidentOnReal * 100,
                         check.passes ? "pass (at least 60%, every digit)" : "FAIL (below 60%, or a digit missing)"))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var record = result
        record.curve = []
        let line = String(decoding: try encoder.encode(record), as: UTF8.self)
        print(line)
        if let path = options.jsonPath { try appendLine(line, to: path) }
        if let path = options.curvesPath { try encoder.encode(["curve": result.curve]).write(to: URL(fileURLWithPath: path)) }
    }
}

/// The generator the run left behind, read back from the weights file it saved.
private func finalGenerator(_ result: GANResult, options: GANOptions) throws -> Sequential {
    let generator = makeGenerator()
    try generator.loadState(from: generatorPath(options))
    return generator
}

/// Where a run saves its final generator.
func generatorPath(_ options: GANOptions) -> String { "\(options.outputDirectory)/\(options.frontend)-generator.safetensors" }
