// All-reduce bandwidth of MPICommunicator against calling MPI_Allreduce directly on the same
// buffers, interleaved. Run under mpirun: `mpirun -np 2 .build/release/allreduce-benchmark`.
import CMPIDirect
import Distributed
import Foundation
import TensorCore
import OpenMPI

let world = try MPICommunicator.world()
func seconds(_ repetitions: Int, _ body: () throws -> Void) throws -> Double {
    try world.barrier()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<repetitions { try body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repetitions)
}
if world.isMain {
    print("all-reduce (sum) of Float32 buffers over \(world.worldSize) ranks; bus bandwidth = 2(n-1)/n x bytes / time")
    print("elements     bytes      ours GB/s   MPI_Allreduce GB/s   ratio")
}
for power in stride(from: 10, through: 24, by: 2) {
    let count = 1 << power
    var ours = [Float](repeating: 1, count: count), direct = ours
    let repetitions = max(5, min(200, (1 << 26) / count))
    var timesOurs: [Double] = [], timesDirect: [Double] = []
    for _ in 0..<5 {
        timesOurs.append(try seconds(repetitions) { try world.allReduce(&ours, operation: .sum) })
        timesDirect.append(try seconds(repetitions) {
            direct.withUnsafeMutableBytes { _ = MPI_Allreduce(bench_in_place(), $0.baseAddress, Int32(count), bench_float(), bench_sum(), bench_comm_world()) }
        })
    }
    let n = Double(world.worldSize), bytes = Double(count * 4)
    let busBytes = 2 * (n - 1) / n * bytes
    let a = busBytes / timesOurs.sorted()[2] / 1e9, b = busBytes / timesDirect.sorted()[2] / 1e9
    if world.isMain {
        print(String(format: "%9d  %9.0f  %10.2f  %19.2f  %6.3f", count, bytes, a, b, a / b))
    }
}
