// The raw training loop on the core alone, no frontend: the baseline the frontends are measured
// against (the loop itself is `trainWithCore` in Examples/MNISTRuns/CoreRun.swift).
// Run with `swift run -c release mnist-core --model mlp`.
import MNISTRuns

runProgram("mnist-core") {
    let (options, _, mnist) = try startProgram("mnist-core", allowsDevices: false)
    try trainWithCore(options, data: mnist).report(options)
}
