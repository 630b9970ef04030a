// The Lightning-style frontend on MNIST (the user code is `trainWithStructured` in
// Examples/MNISTRuns/StructuredRun.swift). Run with `swift run -c release mnist-structured --model mlp`;
// `--devices 2` trains data-parallel under mpirun.
import MNISTRuns
import Datasets

runProgram("mnist-structured") {
    let (options, communicator, mnist) = try startProgram("mnist-structured")
    let result = try trainWithStructured(options, data: mnist, worldSize: communicator.worldSize)
    if communicator.isMain { try result.report(options) }
}
