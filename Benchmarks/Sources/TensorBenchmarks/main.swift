// Micro-benchmarks of the core. Ratios within one run are the figures to quote; absolute
// numbers drift on a shared machine.
import Foundation

let only = CommandLine.arguments.dropFirst().first
if only == nil || only == "matmul" { runMatmulBenchmark() }
if only == nil || only == "elementwise" { runElementwiseBenchmark() }
