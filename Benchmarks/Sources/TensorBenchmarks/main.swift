// Micro-benchmarks of the core. Ratios within one run are the figures to quote; absolute
// numbers drift on a shared machine.
import Foundation
import TensorCore

let only = CommandLine.arguments.dropFirst().first
print("OpenBLAS kernels: \(ComputeBackend.blasKernels), \(ComputeBackend.blasThreads) threads; hand-written kernels: \(InstructionSet.active)")
if only == nil || only == "matmul" { runMatmulBenchmark() }
if only == nil || only == "elementwise" { runElementwiseBenchmark() }
if only == nil || only == "convolution" { runConvolutionBenchmark() }
// `training [seed] [repetitions]`: the mlp by default.
if only == nil || only == "training" {
    let options = CommandLine.arguments.dropFirst(2)
    runTrainingBenchmark(seedModel: options.contains("seed"), repetitions: options.compactMap { Int($0) }.first ?? 5)
}
