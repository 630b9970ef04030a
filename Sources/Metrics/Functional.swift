import TensorCore

// Functional forms: one batch in, the value out. Each runs the module form once (one
// implementation for both), so the two can never disagree. The mean squared error is the
// loss `meanSquaredError(predicted:expected:)` in TensorCore.

/// ``Accuracy`` of one batch. Default averaging `micro`.
public func accuracy(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .micro, topK: Int = 1) throws -> Tensor {
    try evaluate(Accuracy(task: task, averaging: averaging, topK: topK), predictions, targets)
}

/// ``Precision`` of one batch. Default averaging `macro`.
public func precision(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .macro, zeroDivision: Double = 0) throws -> Tensor {
    try evaluate(Precision(task: task, averaging: averaging, zeroDivision: zeroDivision), predictions, targets)
}

/// ``Recall`` of one batch. Default averaging `macro`.
public func recall(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .macro, zeroDivision: Double = 0) throws -> Tensor {
    try evaluate(Recall(task: task, averaging: averaging, zeroDivision: zeroDivision), predictions, targets)
}

/// ``FBetaScore`` of one batch (F1 by default). Default averaging `macro`.
public func fBetaScore(predictions: Tensor, targets: Tensor, task: ClassificationTask, beta: Double = 1, averaging: Averaging = .macro, zeroDivision: Double = 0) throws -> Tensor {
    try evaluate(FBetaScore(task: task, beta: beta, averaging: averaging, zeroDivision: zeroDivision), predictions, targets)
}

/// ``Specificity`` of one batch. Default averaging `macro`.
public func specificity(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .macro, zeroDivision: Double = 0) throws -> Tensor {
    try evaluate(Specificity(task: task, averaging: averaging, zeroDivision: zeroDivision), predictions, targets)
}

/// The ``ConfusionMatrix`` of one batch.
public func confusionMatrix(predictions: Tensor, targets: Tensor, task: ClassificationTask, normalization: ConfusionMatrix.Normalization = .none) throws -> Tensor {
    try evaluate(ConfusionMatrix(task: task, normalization: normalization), predictions, targets)
}

/// ``CohenKappa`` of one batch.
public func cohenKappa(predictions: Tensor, targets: Tensor, task: ClassificationTask, weighting: CohenKappa.Weighting = .none) throws -> Tensor {
    try evaluate(CohenKappa(task: task, weighting: weighting), predictions, targets)
}

/// ``MatthewsCorrelation`` of one batch.
public func matthewsCorrelation(predictions: Tensor, targets: Tensor, task: ClassificationTask) throws -> Tensor {
    try evaluate(MatthewsCorrelation(task: task), predictions, targets)
}

/// ``ROCAUC`` of one batch. Default averaging `macro`.
public func rocAUC(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .macro) throws -> Tensor {
    try evaluate(ROCAUC(task: task, averaging: averaging), predictions, targets)
}

/// ``AveragePrecision`` of one batch. Default averaging `macro`.
public func averagePrecision(predictions: Tensor, targets: Tensor, task: ClassificationTask, averaging: Averaging = .macro) throws -> Tensor {
    try evaluate(AveragePrecision(task: task, averaging: averaging), predictions, targets)
}

/// ``RootMeanSquaredError`` of one batch.
public func rootMeanSquaredError(predictions: Tensor, targets: Tensor) throws -> Tensor {
    try evaluate(RootMeanSquaredError(outputs: outputs(of: predictions)), predictions, targets)
}

/// ``MeanAbsoluteError`` of one batch.
public func meanAbsoluteError(predictions: Tensor, targets: Tensor) throws -> Tensor {
    try evaluate(MeanAbsoluteError(outputs: outputs(of: predictions)), predictions, targets)
}

/// ``R2Score`` of one batch.
public func r2Score(predictions: Tensor, targets: Tensor) throws -> Tensor {
    try evaluate(R2Score(outputs: outputs(of: predictions)), predictions, targets)
}

/// ``ExplainedVariance`` of one batch.
public func explainedVariance(predictions: Tensor, targets: Tensor) throws -> Tensor {
    try evaluate(ExplainedVariance(outputs: outputs(of: predictions)), predictions, targets)
}

private func outputs(of predictions: Tensor) -> Int {
    predictions.rank == 2 ? predictions.shape[1] : 1
}

private func evaluate(_ metric: some PredictionMetric, _ predictions: Tensor, _ targets: Tensor) throws -> Tensor {
    try metric.update(predictions: predictions, targets: targets)
    return try metric.compute()
}
