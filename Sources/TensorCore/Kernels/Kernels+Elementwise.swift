import CKernels

// Elementwise loops: unary maps, broadcasting binary maps and broadcast copies.
//
// The per-element function arrives as a value of a small struct type (see
// `Kernels+ElementFunctions.swift`), not as a closure. Functions with a CKernels loop run there,
// at the CPU's full vector width, one call per chunk; the rest run in a Swift loop specialized for
// the type, with the function inlined. (A closure reaching the loop through the thread pool stays
// an indirect call per element, measured 5x slower.)

extension Kernels {
    /// `f` applied to every element of `x`.
    static func map<F: UnaryFunction>(_ x: Tensor, _ f: F) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        let output = result.storage.base
        x.withElements { input in
            mapChunks(input.baseAddress!, output, count: input.count, f)
        }
        return result
    }

    /// `output[i] = f(source[i])` split across cores; `output` may be `source`.
    @inline(__always)
    private static func mapChunks<F: UnaryFunction>(_ source: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int, _ f: F) {
        if let kernel = f.vectorized {
            let operation = Int32(kernel.operation.rawValue)
            Parallel.forEachChunk(count: count) { range in
                swifttrain_unary(operation, source + range.lowerBound, output + range.lowerBound, range.count, kernel.p, kernel.q)
            }
        } else {
            Parallel.forEachChunk(count: count) { range in
                for i in range { output[i] = f(source[i]) }
            }
        }
    }

    /// `z[i] = f(x[i·stepX], y[i·stepY])` for `count` elements (steps 0 or 1: `BroadcastLayout`
    /// merges dimensions so that an input either runs along the inner loop or stays put), split
    /// across cores when `parallel`.
    @inline(__always)
    static func zipRun<F: BinaryFunction>(_ x: UnsafePointer<Float>, _ stepX: Int, _ y: UnsafePointer<Float>, _ stepY: Int,
                                                   _ z: UnsafeMutablePointer<Float>, count: Int, parallel: Bool, _ f: F) {
        let body = { (range: Range<Int>) in
            let px = x + range.lowerBound * stepX, py = y + range.lowerBound * stepY, pz = z + range.lowerBound
            if let kernel = f.vectorized {
                swifttrain_binary(Int32(kernel.operation.rawValue), px, Int32(stepX), py, Int32(stepY), pz, range.count, kernel.p, kernel.q)
                return
            }
            switch (stepX, stepY) {
            case (1, 1): for i in 0..<range.count { pz[i] = f(px[i], py[i]) }
            case (1, 0): let s = py[0]; for i in 0..<range.count { pz[i] = f(px[i], s) }
            case (0, 1): let s = px[0]; for i in 0..<range.count { pz[i] = f(s, py[i]) }
            default: let s = f(px[0], py[0]); for i in 0..<range.count { pz[i] = s }
            }
        }
        if parallel { Parallel.forEachChunk(count: count, body) } else { body(0..<count) }
    }

    /// `f` applied to corresponding elements of `a` and `b` after broadcasting them to a common
    /// shape (NumPy rules).
    static func zip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, operation: String, _ f: F) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape, operation: operation)
        let result = Tensor(uninitializedShape: shape)
        let count = result.scalarCount
        let z = result.storage.base
        a.withElements { elementsA in
            b.withElements { elementsB in
                let x = elementsA.baseAddress!, y = elementsB.baseAddress!
                if elementsA.count == count && elementsB.count == count {
                    // Equal shapes (or shapes that differ only by leading 1s): one flat loop.
                    zipRun(x, 1, y, 1, z, count: count, parallel: true, f)
                } else if elementsB.count == 1 && elementsA.count == count {
                    zipRun(x, 1, y, 0, z, count: count, parallel: true, f)
                } else if elementsA.count == 1 && elementsB.count == count {
                    zipRun(x, 0, y, 1, z, count: count, parallel: true, f)
                } else {
                    let layout = BroadcastLayout(output: shape, inputs: [a.shape, b.shape])
                    let n = layout.innerCount
                    let strideA = layout.innerStrides[0], strideB = layout.innerStrides[1]
                    Parallel.forEachChunk(count: layout.outerCount, minimumChunk: max(1, Parallel.minimumElementsPerTask / n)) { rows in
                        for row in rows {
                            let pa = x + layout.offset(ofRow: row, input: 0)
                            let pb = y + layout.offset(ofRow: row, input: 1)
                            zipRun(pa, strideA, pb, strideB, z + row * n, count: n, parallel: false, f)
                        }
                    }
                }
            }
        }
        return result
    }

    /// `x` repeated along broadcast dimensions to fill `shape`.
    static func broadcastCopy(_ x: Tensor, to shape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let z = result.storage.base
        x.withElements { elements in
            let source = elements.baseAddress!
            if elements.count == result.scalarCount {
                z.update(from: source, count: elements.count)
                return
            }
            let layout = BroadcastLayout(output: shape, inputs: [x.shape])
            let n = layout.innerCount, stride = layout.innerStrides[0]
            for row in 0..<layout.outerCount {
                let p = source + layout.offset(ofRow: row, input: 0), pz = z + row * n
                if stride == 1 {
                    pz.update(from: p, count: n)
                } else {
                    pz.update(repeating: p[0], count: n)
                }
            }
        }
        return result
    }

    /// Adds `other` (of the same element count) into `target`'s elements.
    static func addInPlace(_ target: Tensor, _ other: Tensor) {
        other.withElements { source in
            let y = source.baseAddress!
            target.withMutableElements { destination in
                let z = destination.baseAddress!
                zipRun(UnsafePointer(z), 1, y, 1, z, count: destination.count, parallel: true, ElementFunction.Add())
            }
        }
    }

    /// Writes `f(element)` over every element of `target` in place.
    static func updateInPlace<F: UnaryFunction>(_ target: Tensor, _ f: F) {
        target.withMutableElements { destination in
            let z = destination.baseAddress!
            mapChunks(UnsafePointer(z), z, count: destination.count, f)
        }
    }

    /// Elements taken from `a` where `condition` is non-zero and from `b` elsewhere; all three
    /// already have `shape`.
    static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: condition.shape)
        let z = result.storage.base
        condition.withElements { c in
            a.withElements { x in
                b.withElements { y in
                    let pc = c.baseAddress!, pa = x.baseAddress!, pb = y.baseAddress!
                    Parallel.forEachChunk(count: c.count) { range in
                        for i in range { z[i] = pc[i] != 0 ? pa[i] : pb[i] }
                    }
                }
            }
        }
        return result
    }
}

/// How inputs broadcast to an output shape, with adjacent dimensions merged where every input
/// is contiguous across them, so the innermost loop is as long as possible.
struct BroadcastLayout {
    /// Length of the innermost loop.
    let innerCount: Int
    /// Each input's element stride along the innermost loop: 1, or 0 when broadcast.
    let innerStrides: [Int]
    /// The merged outer dimensions and each input's stride along them.
    private let outerSizes: [Int]
    private let outerStrides: [[Int]]

    var outerCount: Int { outerSizes.reduce(1, *) }

    init(output: [Int], inputs: [[Int]]) {
        let rank = output.count
        // Per dimension: its size and each input's stride (0 where that input broadcasts).
        var dims: [(size: Int, strides: [Int])] = []
        var inputStrides = inputs.map { _ in 1 }
        var innermostFirst: [(Int, [Int])] = []
        for axis in (0..<rank).reversed() {
            var strides: [Int] = []
            for (index, input) in inputs.enumerated() {
                let inputAxis = axis - (rank - input.count)
                let size = inputAxis >= 0 ? input[inputAxis] : 1
                strides.append(size == 1 ? 0 : inputStrides[index])
                inputStrides[index] *= size
            }
            if output[axis] != 1 { innermostFirst.append((output[axis], strides)) }
        }
        for (size, strides) in innermostFirst.reversed() {
            if let last = dims.last,
               zip(last.strides, strides).allSatisfy({ $0 == $1 * size }) {
                dims[dims.count - 1] = (last.size * size, strides)
            } else {
                dims.append((size, strides))
            }
        }
        if dims.isEmpty { dims = [(1, inputs.map { _ in 0 })] }
        let inner = dims.removeLast()
        innerCount = inner.size
        innerStrides = inner.strides
        outerSizes = dims.map(\.size)
        outerStrides = dims.map(\.strides)
    }

    /// Input `input`'s element offset at the start of outer row `row`.
    @inline(__always)
    func offset(ofRow row: Int, input: Int) -> Int {
        var offset = 0
        var remainder = row
        for dim in stride(from: outerSizes.count - 1, through: 0, by: -1) {
            offset += (remainder % outerSizes[dim]) * outerStrides[dim][input]
            remainder /= outerSizes[dim]
        }
        return offset
    }
}
