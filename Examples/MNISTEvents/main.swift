// The Ignite-style frontend on MNIST (the user code is `trainWithEvents` in
// Examples/MNISTRuns/EventsRun.swift). Run with `swift run -c release mnist-events --model mlp`;
// `--devices 2` trains data-parallel under mpirun.
import Distributed
import Foundation
import MNISTModels
import MNISTRuns
import TensorCore

do {
    let options = try RunOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    // Under mpirun, or started again under it for --devices > 1; one process otherwise.
    let communicator = try DataParallelLauncher.communicator(devices: options.devices)
    guard options.batchSize % communicator.worldSize == 0 else {
        throw UsageError("--batch-size \(options.batchSize) is not divisible by \(communicator.worldSize) processes")
    }
    let mnist = try MNIST.load(from: options.dataDirectory)
    if communicator.isMain { print("mnist-events: \(options.model.rawValue), \(options.epochs) epoch(s) on \(communicator.worldSize) process(es)") }
    let result = try trainWithEvents(options, data: mnist, communicator: communicator)
    if communicator.isMain { try result.report(options) }
} catch {
    FileHandle.standardError.write(Data("mnist-events: \(error)\n".utf8))
    exit(1)
}
