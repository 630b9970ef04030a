/// A batch of token sequences with their next-token targets: what a language model trains on.
///
/// ```swift
/// let batch = TokenBatch(inputs: IndexTensor([[1, 2, 3]]), targets: IndexTensor([[2, 3, 4]]))
/// let loss = crossEntropy(logits: model(batch.inputs), targets: batch.targets)
/// ```
public struct TokenBatch: Sendable {
    /// `[batch, time]` token ids.
    public let inputs: IndexTensor
    /// `[batch, time]`: the token that follows each input position.
    public let targets: IndexTensor

    /// Pairs `inputs` with `targets` of the same shape.
    public init(inputs: IndexTensor, targets: IndexTensor) {
        guard inputs.shape == targets.shape else {
            fail("TokenBatch", "inputs of shape \(inputs.shape) and targets of shape \(targets.shape) differ")
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of sequences in the batch.
    public var count: Int { inputs.shape.first ?? 0 }
}
