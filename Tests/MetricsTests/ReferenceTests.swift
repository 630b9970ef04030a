import Testing
import Metrics
import TensorCore
import TestSupport

/// Every metric and averaging mode against scikit-learn / torchmetrics
/// (`Fixtures/make_metrics_reference.py`), at 1e-6 relative tolerance.
@Suite struct MetricReferenceTests {
    static let fixture = try! ReferenceFixture(named: "metrics_reference.json")

    func expect(_ metric: some PredictionMetric, _ caseName: String, _ key: String, batches: Int = 3,
                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let predictions = Self.fixture.tensor(caseName, "predictions"), targets = Self.fixture.tensor(caseName, "targets")
        // Fed in several uneven batches: accumulation must not change the value.
        let count = targets.shape[0]
        let cuts = [0] + (1..<batches).map { count * $0 * $0 / (batches * batches) } + [count]
        for (start, end) in zip(cuts, cuts.dropFirst()) where end > start {
            try metric.update(predictions: predictions[start..<end], targets: targets[start..<end])
        }
        assertClose(try metric.compute(), Self.fixture.tensor(caseName, "value.\(key)"), relative: 1e-6, absolute: 1e-7,
                    sourceLocation: sourceLocation)
    }

    static let modes: [(String, Averaging)] = [("micro", .micro), ("macro", .macro), ("weighted", .weighted), ("none", .none)]

    @Test func multiclassCountMetricsInEveryAveragingMode() throws {
        let task = ClassificationTask.multiclass(classes: 6)
        for (key, mode) in Self.modes {
            try expect(Accuracy(task: task, averaging: mode), "multiclass", "accuracy.\(key)")
            try expect(Precision(task: task, averaging: mode), "multiclass", "precision.\(key)")
            try expect(Recall(task: task, averaging: mode), "multiclass", "recall.\(key)")
            try expect(FBetaScore(task: task, averaging: mode), "multiclass", "f1.\(key)")
            try expect(FBetaScore(task: task, beta: 2, averaging: mode), "multiclass", "f2.\(key)")
            try expect(Specificity(task: task, averaging: mode), "multiclass", "specificity.\(key)")
        }
        try expect(Accuracy(task: task, topK: 3), "multiclass", "accuracy.top3")
        try expect(Accuracy(task: task, averaging: .macro, topK: 3), "multiclass", "accuracy.top3.macro")
    }

    @Test func multiclassMatrixMetrics() throws {
        let task = ClassificationTask.multiclass(classes: 6)
        try expect(ConfusionMatrix(task: task), "multiclass", "confusion")
        try expect(ConfusionMatrix(task: task, normalization: .targets), "multiclass", "confusion.targets")
        try expect(CohenKappa(task: task), "multiclass", "kappa")
        try expect(CohenKappa(task: task, weighting: .quadratic), "multiclass", "kappa.quadratic")
        try expect(MatthewsCorrelation(task: task), "multiclass", "mcc")
    }

    @Test func multiclassPredictedLabelsWork() throws {
        let task = ClassificationTask.multiclass(classes: 6)
        try expect(Accuracy(task: task), "multiclass_labels", "accuracy")
        try expect(FBetaScore(task: task), "multiclass_labels", "f1_macro")
    }

    @Test func multiclassRankingMetrics() throws {
        let task = ClassificationTask.multiclass(classes: 5)
        try expect(ROCAUC(task: task), "multiclass_ranking", "roc_auc.macro")
        try expect(ROCAUC(task: task, averaging: .weighted), "multiclass_ranking", "roc_auc.weighted")
        try expect(ROCAUC(task: task, averaging: .none), "multiclass_ranking", "roc_auc.none")
        try expect(AveragePrecision(task: task), "multiclass_ranking", "average_precision.macro")
        try expect(AveragePrecision(task: task, averaging: .weighted), "multiclass_ranking", "average_precision.weighted")
        try expect(ROCAUC(task: task, averaging: .micro), "multiclass_ranking", "roc_auc.micro")
        try expect(AveragePrecision(task: task, averaging: .micro), "multiclass_ranking", "average_precision.micro")
    }

    @Test func binaryMetricsWithTiedScores() throws {
        let task = ClassificationTask.binary()
        try expect(Accuracy(task: task), "binary", "accuracy")
        try expect(Precision(task: task), "binary", "precision")
        try expect(Recall(task: task), "binary", "recall")
        try expect(FBetaScore(task: task), "binary", "f1")
        try expect(FBetaScore(task: task, beta: 0.5), "binary", "f05")
        try expect(Specificity(task: task), "binary", "specificity")
        try expect(ConfusionMatrix(task: task), "binary", "confusion")
        try expect(CohenKappa(task: task), "binary", "kappa")
        try expect(MatthewsCorrelation(task: task), "binary", "mcc")
        try expect(ROCAUC(task: task), "binary", "roc_auc")
        try expect(AveragePrecision(task: task), "binary", "average_precision")
    }

    @Test func binaryLogitsAreRecognized() throws {
        let task = ClassificationTask.binary()
        try expect(Accuracy(task: task), "binary_logits", "accuracy")
        try expect(FBetaScore(task: task), "binary_logits", "f1")
        try expect(ROCAUC(task: task), "binary_logits", "roc_auc")
    }

    @Test func zeroDivisionGivesTheDocumentedValue() throws {
        try expect(Precision(task: .binary()), "binary_no_positive_predictions", "precision")
        try expect(Recall(task: .binary()), "binary_no_positive_predictions", "recall")
        let one = Precision(task: .binary(), zeroDivision: 1)
        try one.update(predictions: Tensor(repeating: 0.1, shape: [4]), targets: Tensor([0, 1, 0, 1]))
        #expect(try one.compute().scalar == 1)
    }

    @Test func multilabelMetrics() throws {
        let task = ClassificationTask.multilabel(labels: 4)
        for (key, mode) in Self.modes {
            try expect(Precision(task: task, averaging: mode), "multilabel", "precision.\(key)")
            try expect(Recall(task: task, averaging: mode), "multilabel", "recall.\(key)")
            try expect(FBetaScore(task: task, averaging: mode), "multilabel", "f1.\(key)")
            try expect(Accuracy(task: task, averaging: mode), "multilabel", "accuracy.\(key)")
        }
        try expect(ROCAUC(task: task), "multilabel", "roc_auc.macro")
        try expect(ROCAUC(task: task, averaging: .weighted), "multilabel", "roc_auc.weighted")
        try expect(AveragePrecision(task: task), "multilabel", "average_precision.macro")
        try expect(ROCAUC(task: task, averaging: .micro), "multilabel", "roc_auc.micro")
        try expect(AveragePrecision(task: task, averaging: .micro), "multilabel", "average_precision.micro")
        try expect(ExactMatch(task: task), "multilabel", "exact_match")
        try expect(CohenKappa(task: task), "multilabel", "kappa")
        try expect(MatthewsCorrelation(task: task), "multilabel", "mcc")
    }

    @Test func regressionMetrics() throws {
        for (name, outputs) in [("regression", 1), ("regression_multioutput", 3)] {
            try expect(MeanSquaredError(outputs: outputs), name, "mse")
            try expect(RootMeanSquaredError(outputs: outputs), name, "rmse")
            try expect(MeanAbsoluteError(outputs: outputs), name, "mae")
            try expect(R2Score(outputs: outputs), name, "r2")
            try expect(ExplainedVariance(outputs: outputs), name, "explained_variance")
        }
    }

    @Test func functionalFormsEqualModuleForms() throws {
        let f = Self.fixture
        let scores = f.tensor("multiclass", "predictions"), targets = f.tensor("multiclass", "targets")
        let task = ClassificationTask.multiclass(classes: 6)
        assertClose(try accuracy(predictions: scores, targets: targets, task: task), f.tensor("multiclass", "value.accuracy.micro"), relative: 1e-6)
        assertClose(try fBetaScore(predictions: scores, targets: targets, task: task), f.tensor("multiclass", "value.f1.macro"), relative: 1e-6)
        assertClose(try cohenKappa(predictions: scores, targets: targets, task: task), f.tensor("multiclass", "value.kappa"), relative: 1e-6)
        let y = f.tensor("regression", "targets"), yhat = f.tensor("regression", "predictions")
        assertClose(try r2Score(predictions: yhat, targets: y), f.tensor("regression", "value.r2"), relative: 1e-6)
        assertClose(meanSquaredError(predicted: yhat, expected: y), f.tensor("regression", "value.mse"), relative: 1e-5)
    }
}
