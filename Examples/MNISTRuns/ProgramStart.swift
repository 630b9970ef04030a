import Distributed
import Foundation
import MNISTModels
import TensorCore
import Datasets
import OpenMPI

/// What every MNIST program does first: parse the flags, check the output paths and that the
/// global batch splits evenly, start under `mpirun` for `--devices > 1` (before loading
/// anything, so nothing runs twice), load MNIST.
public func startProgram(_ name: String, allowsDevices: Bool = true) throws -> (options: RunOptions, communicator: any Communicator, mnist: MNIST) {
    let options = try RunOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    try options.checkOutputPaths()
    if options.devices > 1 && !allowsDevices {
        throw UsageError("\(name) trains on one process; --devices is for mnist-events and mnist-structured")
    }
    if !DataParallelLauncher.isLaunchedByMPI, options.batchSize % options.devices != 0 {
        throw UsageError("--batch-size \(options.batchSize) does not split evenly over --devices \(options.devices)")
    }
    let communicator = try DataParallelLauncher.launch(devices: options.devices)
    guard options.batchSize % communicator.worldSize == 0 else {
        throw UsageError("--batch-size \(options.batchSize) is not divisible by \(communicator.worldSize) processes")
    }
    let mnist = try MNIST.load(from: options.dataDirectory)
    if communicator.isMain {
        print("\(name): \(options.model.rawValue), \(options.epochs) epoch(s) on \(communicator.worldSize) process(es); kernels \(InstructionSet.active), BLAS \(ComputeBackend.blasKernels) (\(ComputeBackend.blasSelection))")
    }
    return (options, communicator, mnist)
}

/// Runs `body`; `--help` prints the usage and exits 0, an error prints as one line,
/// `name: reason`, and exits 1.
public func runProgram(_ name: String, _ body: () throws -> Void) {
    runCommandLineProgram(name, usage: RunOptions.usage, body)
}
