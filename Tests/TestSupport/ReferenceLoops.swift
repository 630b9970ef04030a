import TensorCore

/// The accumulation rule of the package's one optimization step, written as a plain loop for
/// tests to compare against: a window of `k` batches sums the gradients of losses divided by `k`;
/// the window that ends an epoch steps even when shorter, so each epoch starts from zero gradients.
public func trainWithReferenceAccumulation(_ model: any Module<Tensor>, optimizer: any Optimizer, loader: DataLoader<TensorDataset>,
                                           accumulation k: Int, epochs: Int) {
    for epoch in 0..<epochs {
        let batches = Array(loader.batches(epoch: epoch))
        for (index, batch) in batches.enumerated() {
            if index % k == 0 { optimizer.zeroGradients() }
            (crossEntropy(logits: model(batch.inputs), labels: batch.labels) / Float(k)).backward()
            if (index + 1) % k == 0 || index == batches.count - 1 { optimizer.step() }
        }
    }
}
