// The Lightning-style frontend on MNIST (the user code is `trainWithStructured` in
// Examples/MNISTRuns/StructuredRun.swift). Run with `swift run -c release mnist-structured --model mlp`;
// `--devices 2` trains data-parallel under mpirun.
import Distributed
import Foundation
import MNISTModels
import MNISTRuns
import TensorCore

do {
    let options = try RunOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    // Start under mpirun first for --devices > 1, before loading anything.
    let communicator = try DataParallelLauncher.communicator(devices: options.devices)
    guard options.batchSize % communicator.worldSize == 0 else {
        throw UsageError("--batch-size \(options.batchSize) is not divisible by \(communicator.worldSize) processes")
    }
    let mnist = try MNIST.load(from: options.dataDirectory)
    if communicator.isMain { print("mnist-structured: \(options.model.rawValue), \(options.epochs) epoch(s) on \(communicator.worldSize) process(es)") }
    let result = try trainWithStructured(options, data: mnist, worldSize: communicator.worldSize)
    if communicator.isMain { try result.report(options) }
} catch {
    FileHandle.standardError.write(Data("mnist-structured: \(error)\n".utf8))
    exit(1)
}
