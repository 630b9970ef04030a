// Micro-benchmarks of the core. Ratios within one run are the figures to quote; absolute
// numbers drift on a shared machine.
import Foundation
import TensorCore

let only = CommandLine.arguments.dropFirst().first
print("OpenBLAS kernels: \(ComputeBackend.blasKernels), \(ComputeBackend.blasThreads) threads; hand-written kernels: \(InstructionSet.active)")
if only == nil || only == "matmul" { runMatmulBenchmark() }
if only == nil || only == "elementwise" { runElementwiseBenchmark() }
if only == nil || only == "convolution" { runConvolutionBenchmark() }
if only == nil || only == "training" { runTrainingBenchmark() }
