// Micro-benchmarks of the core. Ratios within one run are the figures to quote; absolute
// numbers drift on a shared machine.
import Foundation
import TensorCore

let only = CommandLine.arguments.dropFirst().first
print("OpenBLAS kernels: \(ComputeBackend.blasKernels), \(ComputeBackend.blasThreads) threads; hand-written kernels: \(InstructionSet.active)")
if only == nil || only == "matmul" { runMatmulBenchmark() }
if only == nil || only == "elementwise" { runElementwiseBenchmark() }
if only == nil || only == "convolution" { runConvolutionBenchmark() }
// `training [seed|mlp] [repetitions]`: the mlp by default.
if only == nil || only == "training" {
    let options = Array(CommandLine.arguments.dropFirst(2))
    let repetitions = options.compactMap { Int($0) }.first ?? 5
    if let unknown = options.first(where: { !["seed", "mlp"].contains($0) && Int($0) == nil }) ?? (repetitions < 1 ? "\(repetitions)" : nil) {
        FileHandle.standardError.write(Data("tensor-benchmarks training: '\(unknown)' is neither seed, mlp nor a positive number of repetitions\n".utf8))
        exit(2)
    }
    runTrainingBenchmark(seedModel: options.contains("seed"), repetitions: repetitions)
}
