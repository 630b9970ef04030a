import Foundation
import TensorCore

/// Elementwise throughput in GB/s of memory traffic (bytes read + written), against a plain
/// copy of the same size, which is as fast as memory allows.
func runElementwiseBenchmark() {
    print("\nelementwise: 4M-element Float32 tensors (16 MB each)")
    let count = 4 << 20
    let a = Tensor(randomNormal: [count], seed: 1), b = Tensor(randomNormal: [count], seed: 2)
    let source = [Float](repeating: 1, count: count)
    var destination = [Float](repeating: 0, count: count)
    let copy = medianSeconds {
        destination.withUnsafeMutableBufferPointer { d in
            source.withUnsafeBufferPointer { s in d.baseAddress!.update(from: s.baseAddress!, count: count) }
        }
    }
    let copyBandwidth = Double(2 * count * 4) / copy / 1e9
    print("copy (memcpy) bandwidth: \(format(copyBandwidth, 1)) GB/s")
    let raw = rawScaleSeconds(count: count)
    print("raw loop x*2 (one thread): \(format(Double(2 * count * 4) / raw / 1e9, 1)) GB/s")
    print("operation            GB/s     vs copy")
    let bias = Tensor(randomNormal: [1024], seed: 3)
    let matrix = a.reshaped(to: [count / 1024, 1024])
    let cases: [(String, Int, () -> Tensor)] = [
        ("a + b", 3, { a + b }),
        ("a * 2", 2, { a * 2 }),
        ("relu(a)", 2, { relu(a) }),
        ("exp(a)", 2, { exp(a) }),
        ("tanh(a)", 2, { tanh(a) }),
        ("sigmoid(a)", 2, { sigmoid(a) }),
        ("matrix + row bias", 2, { matrix + bias }),
        ("sum()", 1, { a.sum() }),
        ("sum(alongAxis: 0)", 1, { matrix.sum(alongAxis: 0) }),
        ("sum(alongAxis: 1)", 1, { matrix.sum(alongAxis: 1) }),
    ]
    for (name, tensorsTouched, body) in cases {
        let seconds = medianSeconds { _ = body() }
        let bandwidth = Double(tensorsTouched * count * 4) / seconds / 1e9
        print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(format(bandwidth, 1).leftPad(5))   \(format(bandwidth / copyBandwidth, 2).leftPad(8))")
    }
}
