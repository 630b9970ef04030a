// The Ignite-style frontend on MNIST (the user code is `trainWithEvents` in
// Examples/MNISTRuns/EventsRun.swift). Run with `swift run -c release mnist-events --model mlp`;
// `--devices 2` trains data-parallel under mpirun.
import MNISTRuns
import Datasets

runProgram("mnist-events") {
    let (options, communicator, mnist) = try startProgram("mnist-events")
    let result = try trainWithEvents(options, data: mnist, communicator: communicator)
    if communicator.isMain { try result.report(options) }
}
