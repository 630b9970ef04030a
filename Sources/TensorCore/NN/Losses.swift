/// How a loss combines its per-example values.
public enum LossReduction: Sendable {
    /// The mean over examples (the default everywhere, as in PyTorch).
    case mean
    /// The sum over examples.
    case sum
    /// No reduction: one loss per example.
    case none
}

private func reduced(_ losses: Tensor, _ reduction: LossReduction) -> Tensor {
    switch reduction {
    case .mean: losses.mean()
    case .sum: losses.sum()
    case .none: losses
    }
}

/// Class indices stored as whole-number floats, checked against the number of classes.
///
/// A label outside the classes depends on the data: it is reported as a data-dependent error
/// (thrown by the engine after the step) and read as class 0 so the kernels stay in bounds.
private func classIndices(_ labels: Tensor, rows: Int, classes: Int, _ operation: String) -> [Int32] {
    guard labels.shape == [rows] else {
        fail(operation, "labels of shape \(labels.shape) do not match \(rows) rows of logits")
    }
    return labels.scalars.enumerated().map { row, value in
        guard value >= 0, value < Float(classes), value == value.rounded() else {
            reportDataError(operation, "label \(value) at row \(row) is not a class index in 0..<\(classes)")
            return 0
        }
        return Int32(value)
    }
}

/// Softmax cross-entropy between `logits` `[batch, classes]` and class indices `labels`
/// `[batch]` (whole numbers stored as floats, as a dataset's label tensor holds them).
///
/// Fused and numerically stable: log-softmax and the negative log-likelihood are computed in one
/// pass, and the pullback is `softmax - onehot`. With `labelSmoothing` ε the target puts `1 - ε`
/// on the label and spreads ε evenly over all classes (PyTorch's `label_smoothing`).
///
/// ```swift
/// let loss = crossEntropy(logits: model(images), labels: labels)
/// loss.backward()
/// ```
public func crossEntropy(logits: Tensor, labels: Tensor, labelSmoothing: Float = 0,
                         reduction: LossReduction = .mean) -> Tensor {
    guard logits.rank == 2 else { fail("crossEntropy", "logits must be [batch, classes], got \(logits.shape)") }
    guard (0...1).contains(labelSmoothing) else { fail("crossEntropy", "label smoothing must be in [0, 1], got \(labelSmoothing)") }
    let indices = classIndices(labels, rows: logits.shape[0], classes: logits.shape[1], "crossEntropy")
    let (losses, logSumExp) = Kernels.crossEntropy(logits, labels: indices, smoothing: labelSmoothing)
    let perExample = losses.recorded("crossEntropy", logits) { gradient, _ in
        [Kernels.crossEntropyBackward(logits, labels: indices, logSumExp: logSumExp, smoothing: labelSmoothing, upstream: gradient)]
    }
    return reduced(perExample, reduction)
}

/// Softmax cross-entropy between `logits` `[..., classes]` (for a sequence model
/// `[batch, time, vocabulary]`) and integer `targets` of the leading shape (`[batch, time]`).
///
/// Targets equal to `ignoreIndex` (padding) add nothing to the loss or the gradient, and the mean
/// is taken over the other positions only, as in PyTorch. A target outside the classes is a
/// data-dependent error (thrown by the engine after the step). The same fused kernel as the
/// float-label form, so a `[12, 64, 73]` batch costs one pass forward and one backward.
///
/// ```swift
/// let loss = crossEntropy(logits: model(tokens), targets: nextTokens)
/// ```
public func crossEntropy(logits: Tensor, targets: IndexTensor, ignoreIndex: Int? = nil, labelSmoothing: Float = 0,
                         reduction: LossReduction = .mean) -> Tensor {
    guard logits.rank >= 2, Array(logits.shape.dropLast()) == targets.shape else {
        fail("crossEntropy", "logits of shape \(logits.shape) do not match targets of shape \(targets.shape) ([..., classes] and [...])")
    }
    guard (0...1).contains(labelSmoothing) else { fail("crossEntropy", "label smoothing must be in [0, 1], got \(labelSmoothing)") }
    let classes = logits.shape[logits.rank - 1], rows = targets.scalarCount
    let ignored = ignoreIndex.map { Int32(clamping: $0) }
    let indices = targets.values.enumerated().map { position, value -> Int32 in
        if value == ignored { return value }
        guard value >= 0, value < classes else {
            reportDataError("crossEntropy", "target \(value) at position \(position) is not a class index in 0..<\(classes)")
            return ignored ?? 0
        }
        return value
    }
    let flat = logits.reshaped(to: [rows, classes])
    let (losses, logSumExp) = Kernels.crossEntropy(flat, labels: indices, smoothing: labelSmoothing, ignored: ignored)
    let perPosition = losses.recorded("crossEntropy", flat) { gradient, _ in
        [Kernels.crossEntropyBackward(flat, labels: indices, logSumExp: logSumExp, smoothing: labelSmoothing,
                                      ignored: ignored, upstream: gradient)]
    }
    switch reduction {
    case .mean:
        let counted = ignored.map { ignored in indices.reduce(0) { $0 + ($1 == ignored ? 0 : 1) } } ?? rows
        return perPosition.sum() / Float(Swift.max(counted, 1))
    case .sum: return perPosition.sum()
    case .none: return perPosition.reshaped(to: targets.shape)
    }
}

/// Negative log-likelihood of class indices `labels` `[batch]` under `logProbabilities`
/// `[batch, classes]` (for example the output of ``logSoftmax(_:alongAxis:)``). A composite.
public func nllLoss(logProbabilities: Tensor, labels: Tensor, reduction: LossReduction = .mean) -> Tensor {
    guard logProbabilities.rank == 2 else { fail("nllLoss", "log-probabilities must be [batch, classes], got \(logProbabilities.shape)") }
    let classes = logProbabilities.shape[1]
    let indices = classIndices(labels, rows: logProbabilities.shape[0], classes: classes, "nllLoss")
    let targets = Tensor(oneHotAtIndices: indices.map(Int.init), depth: classes)
    return reduced(-(logProbabilities * targets).sum(alongAxis: 1), reduction)
}

/// The squared difference between `predicted` and `expected` (same shape), reduced over all
/// elements. A composite.
public func meanSquaredError(predicted: Tensor, expected: Tensor, reduction: LossReduction = .mean) -> Tensor {
    guard predicted.shape == expected.shape else {
        fail("meanSquaredError", "predicted shape \(predicted.shape) differs from expected shape \(expected.shape)")
    }
    return reduced((predicted - expected).squared(), reduction)
}

/// Binary cross-entropy between `logits` and targets `labels` in [0, 1] (same shape), computed
/// stably as `max(x, 0) - x·y + log(1 + e^-|x|)` (PyTorch's `binary_cross_entropy_with_logits`).
/// A composite.
public func binaryCrossEntropy(logits: Tensor, labels: Tensor, reduction: LossReduction = .mean) -> Tensor {
    guard logits.shape == labels.shape else {
        fail("binaryCrossEntropy", "logits shape \(logits.shape) differs from labels shape \(labels.shape)")
    }
    return reduced(relu(logits) - logits * labels + log(1 + exp(-abs(logits))), reduction)
}
