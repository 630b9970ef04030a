// MARK: - Creating tensors

extension Tensor {
    /// A tensor with the given elements, in row-major order.
    ///
    /// ```swift
    /// let m = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
    /// ```
    public convenience init(_ scalars: [Float], shape: [Int]) {
        if let negative = shape.first(where: { $0 < 0 }) {
            fail("Tensor(_:shape:)", "negative dimension \(negative) in shape \(shape)")
        }
        guard scalars.count == shape.reduce(1, *) else {
            fail("Tensor(_:shape:)", "\(scalars.count) elements cannot fill shape \(shape) (\(shape.reduce(1, *)) elements)")
        }
        let copy = Kernels.copied(scalars, shape: shape)
        self.init(shape: shape, storage: copy.storage)
    }

    /// A one-dimensional tensor with the given elements.
    public convenience init(_ scalars: [Float]) {
        self.init(scalars, shape: [scalars.count])
    }

    /// A matrix from its rows, which must all have the same length.
    public convenience init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        if let ragged = rows.first(where: { $0.count != columns }) {
            fail("Tensor(_: [[Float]])", "row of \(ragged.count) elements among rows of \(columns)")
        }
        self.init(rows.flatMap { $0 }, shape: [rows.count, columns])
    }

    /// A scalar (shape `[]`).
    public convenience init(_ scalar: Float) {
        self.init([scalar], shape: [])
    }

    /// A tensor of `shape` with every element equal to `value` (PyTorch's `full`).
    public convenience init(repeating value: Float, shape: [Int]) {
        if let negative = shape.first(where: { $0 < 0 }) {
            fail("Tensor(repeating:shape:)", "negative dimension \(negative) in shape \(shape)")
        }
        self.init(shape: shape, storage: Kernels.filled(shape, with: value).storage)
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// A tensor of ones.
    public convenience init(ones shape: [Int]) {
        self.init(repeating: 1, shape: shape)
    }

    /// A tensor of zeros with the shape of `other`.
    public convenience init(zerosLike other: Tensor) {
        self.init(repeating: 0, shape: other.shape)
    }

    /// The values `start`, `start + stride`, ... up to but excluding `end` (PyTorch's `arange`).
    ///
    /// ```swift
    /// Tensor(rangeFrom: 0, to: 1, stride: 0.25).scalars  // [0, 0.25, 0.5, 0.75]
    /// ```
    public convenience init(rangeFrom start: Float, to end: Float, stride: Float = 1) {
        guard stride != 0, stride.isFinite else { fail("Tensor(rangeFrom:to:stride:)", "stride must be finite and non-zero, got \(stride)") }
        let count = Swift.max(0, Int(((end - start) / stride).rounded(.up)))
        self.init((0..<count).map { start + Float($0) * stride }, shape: [count])
    }

    /// A tensor of `shape` with independent samples from a normal distribution.
    public convenience init(randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                            generator: inout RandomGenerator) {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = mean + standardDeviation * generator.nextNormal() }
        self.init(values, shape: shape)
    }

    /// A tensor of `shape` with normal samples from a generator seeded with `seed`.
    public convenience init(randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                            seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        self.init(randomNormal: shape, mean: mean, standardDeviation: standardDeviation, generator: &generator)
    }

    /// A tensor of `shape` with independent samples uniform in `range` (upper bound excluded).
    public convenience init(randomUniform shape: [Int], in range: ClosedRange<Float> = 0...1,
                            generator: inout RandomGenerator) {
        let count = shape.reduce(1, *)
        let width = range.upperBound - range.lowerBound
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = range.lowerBound + width * generator.nextUniform() }
        self.init(values, shape: shape)
    }

    /// A tensor of `shape` with uniform samples from a generator seeded with `seed`.
    public convenience init(randomUniform shape: [Int], in range: ClosedRange<Float> = 0...1, seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        self.init(randomUniform: shape, in: range, generator: &generator)
    }

    /// One-hot rows: row `i` is all zeros except a one at column `indices[i]`.
    ///
    /// ```swift
    /// Tensor(oneHotAtIndices: [2, 0], depth: 3).scalars  // [0, 0, 1,  1, 0, 0]
    /// ```
    public convenience init(oneHotAtIndices indices: [Int], depth: Int) {
        var values = [Float](repeating: 0, count: indices.count * depth)
        for (row, index) in indices.enumerated() {
            guard (0..<depth).contains(index) else {
                fail("Tensor(oneHotAtIndices:depth:)", "index \(index) at position \(row) is outside 0..<\(depth)")
            }
            values[row * depth + index] = 1
        }
        self.init(values, shape: [indices.count, depth])
    }
}
