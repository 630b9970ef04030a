/// A collection of examples that hands them out a batch at a time.
///
/// A dataset gathers a whole batch at once from a list of indices (one copy per example into
/// one tensor), rather than building each example and collating them: per-sample collation is
/// where PyTorch's `DataLoader` spends most of a small model's epoch.
public protocol Dataset {
    /// What a batch of this data set is (``LabeledBatch`` for supervised data).
    associatedtype Batch
    /// The number of examples.
    var count: Int { get }
    /// The examples at `indices`, in that order, as one batch.
    func batch(at indices: [Int]) -> Batch
}

/// A batch of inputs with their labels.
public struct LabeledBatch {
    /// `[batch, ...]`.
    public let inputs: Tensor
    /// `[batch]` class indices (whole numbers), or `[batch, ...]` targets.
    public let labels: Tensor

    /// Pairs `inputs` with `labels`: one label per example along the first axis.
    public init(inputs: Tensor, labels: Tensor) {
        self.inputs = inputs
        self.labels = labels
    }

    /// The number of examples in the batch.
    public var count: Int { inputs.shape.first ?? 0 }
}

/// A dataset held in two tensors whose first axes index the examples.
///
/// ```swift
/// let data = TensorDataset(inputs: Tensor(randomNormal: [100, 3], seed: 0), labels: Tensor(zeros: [100]))
/// let loader = DataLoader(data, batchSize: 32, shuffle: true, seed: 1)
/// ```
public struct TensorDataset: Dataset {
    /// The examples, stacked along the first axis.
    public let inputs: Tensor
    /// One label per example.
    public let labels: Tensor

    /// Pairs `inputs` with `labels`: one label per example along the first axis.
    public init(inputs: Tensor, labels: Tensor) {
        guard inputs.rank >= 1, labels.rank >= 1, inputs.shape[0] == labels.shape[0] else {
            fail("TensorDataset", "inputs of shape \(inputs.shape) and labels of shape \(labels.shape) differ in example count")
        }
        self.inputs = inputs
        self.labels = labels
    }

    /// The number of examples.
    public var count: Int { inputs.shape[0] }

    /// The examples at `indices`, gathered into one batch.
    public func batch(at indices: [Int]) -> LabeledBatch {
        LabeledBatch(inputs: inputs.gathering(atIndices: indices), labels: labels.gathering(atIndices: indices))
    }
}
