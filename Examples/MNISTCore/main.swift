// The raw training loop on the core alone, no frontend: the baseline the frontends are measured
// against (the loop itself is `trainWithCore` in Examples/MNISTRuns/CoreRun.swift).
// Run with `swift run -c release mnist-core --model mlp`.
import Foundation
import MNISTModels
import MNISTRuns
import TensorCore

do {
    let options = try RunOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    let mnist = try MNIST.load(from: options.dataDirectory)
    print("mnist-core: \(options.model.rawValue), \(options.epochs) epoch(s)")
    try trainWithCore(options, data: mnist).report(options)
} catch {
    FileHandle.standardError.write(Data("mnist-core: \(error)\n".utf8))
    exit(1)
}
