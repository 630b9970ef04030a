import Distributed
import Foundation
import MNISTModels
import TensorCore

/// What every MNIST program does first: parse the flags, start under `mpirun` for `--devices > 1`
/// (before loading anything), check the global batch splits evenly, load MNIST.
public func startProgram(_ name: String) throws -> (options: RunOptions, communicator: any Communicator, mnist: MNIST) {
    let options = try RunOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    let communicator = try DataParallelLauncher.communicator(devices: options.devices)
    guard options.batchSize % communicator.worldSize == 0 else {
        throw UsageError("--batch-size \(options.batchSize) is not divisible by \(communicator.worldSize) processes")
    }
    let mnist = try MNIST.load(from: options.dataDirectory)
    if communicator.isMain {
        print("\(name): \(options.model.rawValue), \(options.epochs) epoch(s) on \(communicator.worldSize) process(es)")
    }
    return (options, communicator, mnist)
}

/// Runs `body`, printing an error as `name: error` and exiting with status 1.
public func runProgram(_ name: String, _ body: () throws -> Void) {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
        exit(1)
    }
}
