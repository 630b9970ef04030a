/// A lookup table: each index selects one row of a `[count, width]` weight (PyTorch's
/// `nn.Embedding`), so `[batch, time]` token ids become `[batch, time, width]` vectors.
///
/// The weight starts standard normal, as in PyTorch. The pullback adds each output row's
/// gradient back into the row it came from, so repeated ids accumulate.
///
/// ```swift
/// let tokens = Embedding(count: 73, width: 128)
/// let x = tokens(IndexTensor([[1, 5, 5, 2]]))   // [1, 4, 128]
/// ```
public final class Embedding: Module {
    /// `[count, width]`: row `i` is the vector of index `i`.
    public let weight: Tensor
    /// Whether the layer is in training mode (set by `train()` and `eval()`); it does not
    /// change the lookup.
    public var isTraining = true

    /// A table of `count` vectors of `width` elements, drawn standard normal.
    public init(count: Int, width: Int) {
        weight = Tensor(parameter: [count, width], initializer: .normal(standardDeviation: 1))
    }

    /// The number of rows (the vocabulary size).
    public var count: Int { weight.shape[0] }

    /// The length of each vector.
    public var width: Int { weight.shape[1] }

    /// The layer's own parameters with their PyTorch names.
    public var ownParameters: [(String, Tensor)] { [("weight", weight)] }

    /// The vectors of `indices`: shape `indices.shape + [width]` (see ``embedding(_:weight:)``).
    public func callAsFunction(_ indices: IndexTensor) -> Tensor {
        embedding(indices, weight: weight)
    }
}

/// The rows of `weight` `[count, width]` at `indices`: shape `indices.shape + [width]` (the
/// functional form of ``Embedding``).
///
/// An index outside `0..<count` comes from the data: it is reported as a data-dependent error
/// (thrown by the engine after the step) and read as row 0 so the lookup stays in bounds.
public func embedding(_ indices: IndexTensor, weight: Tensor) -> Tensor {
    guard weight.rank == 2 else { fail("embedding", "weight must be [count, width], got \(weight.shape)") }
    let count = weight.shape[0]
    let rows = indices.values.enumerated().map { position, value -> Int in
        guard value >= 0, value < count else {
            reportDataError("embedding", "index \(value) at position \(position) is outside 0..<\(count)")
            return 0
        }
        return Int(value)
    }
    let gathered = weight.gathering(atIndices: rows)
    if let trace = ONNXTrace.current {
        // A Gather of the graph's input, or of constant ids such as positions.
        let source: [String: [Double]] = indices == trace.inputIndices ? ["fromInput": [1]] : ["ids": indices.values.map(Double.init)]
        gathered.annotatingONNX(source.merging(["idsShape": indices.shape.map(Double.init)]) { $1 })
    }
    return gathered.reshaped(to: indices.shape + [weight.shape[1]])
}
