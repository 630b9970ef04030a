// What the alpha-beta scaling model and the overlap measurement need, under mpirun (one rank per
// node on the simulated cluster: Benchmarks/cluster_scaling.sh):
//   allreduce  the time of one all-reduce of 4 B to 64 MB (median of 5 rounds), for the fit;
//   overlap    a training step of a wide mlp whose gradients take longer to send than its last
//              layers take to compute: overlap on, overlap off, and communication alone, in
//              interleaved rounds; the share of communication hidden = (off - on) / alone.
// Prints one JSON object per line on rank 0.
import Distributed
import Events
import Foundation
import OpenMPI
import TensorCore

let world = try MPICommunicator.world()
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func emit(_ fields: [String: Any]) {
    guard world.isMain, let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
    print(String(decoding: data, as: UTF8.self))
}

// MARK: All-reduce sweep

for power in stride(from: 0, through: 24, by: 2) {
    let count = 1 << power
    var values = [Float](repeating: 1, count: count)
    let repetitions = max(3, min(100, (1 << 24) / max(count, 1)))
    try world.allReduce(&values, operation: .sum)   // warm-up: connections, buffers
    var rounds: [Double] = []
    for _ in 0..<5 {
        try world.barrier()
        let start = now()
        for _ in 0..<repetitions { try world.allReduce(&values, operation: .sum) }
        rounds.append((now() - start) / Double(repetitions))
    }
    emit(["kind": "allreduce", "ranks": world.worldSize, "bytes": count * 4, "seconds": rounds.sorted()[2]])
}

// MARK: Overlap

/// `widths` hidden layers of ReLU, 784 in, 10 out, SGD; batch 64 per rank of random data.
func measureOverlap(name: String, widths: [Int], bucketBytes: Int = 25 << 20, steps: Int = 6, rounds: Int = 3) throws {
    try withRandomScope(seed: 1) {
        var layers: [any Module<Tensor>] = [], previous = 784
        for width in widths {
            layers += [Linear(inFeatures: previous, outFeatures: width), ReLU()]
            previous = width
        }
        layers.append(Linear(inFeatures: previous, outFeatures: 10))
        let model = Sequential(layers)
        try model.broadcastState(over: world)
        let optimizer = SGD(for: model, learningRate: 0.001)
        let distributed = OptimizationStep(optimizer: optimizer, communicator: world, model: model, bucketBytes: bucketBytes)
        let inputs = Tensor(randomNormal: [64, 784]), labels = Tensor((0..<64).map { Float($0 % 10) })
        let synchronizer = GradientSynchronizer(parameters: model.parameters, communicator: world, bucketBytes: bucketBytes)
        synchronizer.overlapsBackward = false
        func step() throws { try distributed.apply(loss: crossEntropy(logits: model(inputs), labels: labels), examples: 64, endsEpoch: false) }
        func timed(_ body: () throws -> Void) throws -> Double {
            try world.barrier()
            let start = now()
            for _ in 0..<steps { try body() }
            return (now() - start) / Double(steps)
        }
        try step()
        var on: [Double] = [], off: [Double] = [], alone: [Double] = []
        for _ in 0..<rounds {
            distributed.overlapsCommunication = true
            on.append(try timed(step))
            distributed.overlapsCommunication = false
            off.append(try timed(step))
            alone.append(try timed { try synchronizer.synchronize(localExamples: 64) })
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let (stepOn, stepOff, communication) = (median(on), median(off), median(alone))
        emit(["kind": "overlap", "model": name, "ranks": world.worldSize, "parameters": model.parameterCount,
              "gradient_bytes": model.parameterCount * 4, "buckets": synchronizer.bucketCount,
              "step_overlap_s": stepOn, "step_sequential_s": stepOff, "communication_s": communication,
              "hidden_share": (stepOff - stepOn) / communication])
    }
}

try measureOverlap(name: "784-4096-4096-10", widths: [4096, 4096])
try measureOverlap(name: "784-2048x6-10", widths: Array(repeating: 2048, count: 6))
