import Testing
import Metrics
import TensorCore
import TestSupport

@Suite struct MetricBehaviourTests {
    @Test func computeBeforeUpdateThrows() {
        #expect(throws: MetricError.noUpdates(metric: "accuracy")) { try Accuracy(task: .binary()).compute() }
        #expect(throws: MetricError.noUpdates(metric: "val_loss")) { try Mean(name: "val_loss").compute() }
        #expect(throws: MetricError.noUpdates(metric: "roc_auc")) { try ROCAUC(task: .binary()).compute() }
        #expect(throws: MetricError.noUpdates(metric: "r2")) { try R2Score().compute() }
    }

    @Test func resetForgetsEverything() throws {
        let accuracy = Accuracy(task: .binary())
        try accuracy.update(predictions: Tensor([0.9, 0.1]), targets: Tensor([1, 1]))
        #expect(try accuracy.compute().scalar == 0.5)
        accuracy.reset()
        #expect(throws: MetricError.noUpdates(metric: "accuracy")) { try accuracy.compute() }
        try accuracy.update(predictions: Tensor([0.9]), targets: Tensor([1]))
        #expect(try accuracy.compute().scalar == 1)
    }

    @Test func badInputsNameTheMetricAndTheProblemAndChangeNothing() throws {
        let f1 = FBetaScore(task: .multiclass(classes: 3))
        try f1.update(predictions: Tensor([0, 1, 2]), targets: Tensor([0, 1, 1]))
        let before = try f1.compute().scalar
        #expect(throws: MetricError.invalidInput(metric: "f1", problem: "target 3.0 at index 1 is not a class index in 0..<3")) {
            try f1.update(predictions: Tensor([0, 1]), targets: Tensor([0, 3]))
        }
        #expect(throws: MetricError.invalidInput(metric: "f1", problem: "predictions must be class indices [2] or scores [2, 3], got shape [2, 4]")) {
            try f1.update(predictions: Tensor(zeros: [2, 4]), targets: Tensor([0, 1]))
        }
        #expect(throws: MetricError.invalidInput(metric: "f1", problem: "predictions contain NaN")) {
            try f1.update(predictions: Tensor([[0, .nan, 1]]), targets: Tensor([0]))
        }
        #expect(throws: MetricError.invalidInput(metric: "accuracy", problem: "target 2.0 at index 0 is not 0 or 1")) {
            try Accuracy(task: .binary()).update(predictions: Tensor([0.5]), targets: Tensor([2]))
        }
        #expect(throws: MetricError.invalidInput(metric: "mae", problem: "predictions of shape [2] and targets of shape [3] differ")) {
            try MeanAbsoluteError().update(predictions: Tensor([1, 2]), targets: Tensor([1, 2, 3]))
        }
        #expect(try f1.compute().scalar == before)
    }

    @Test func rocAUCIsUndefinedForASingleClass() throws {
        let auc = ROCAUC(task: .binary())
        try auc.update(predictions: Tensor([0.2, 0.7]), targets: Tensor([1, 1]))
        #expect(throws: MetricError.undefined(metric: "roc_auc", reason: "the targets hold a single class")) { try auc.compute() }
        // Per class: the class without positives is NaN and left out of the macro average.
        let perClass = ROCAUC(task: .multiclass(classes: 3), averaging: .none)
        let scores = Tensor([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]])
        let targets = Tensor([0, 1, 0, 1])
        try perClass.update(predictions: scores, targets: targets)
        let values = try perClass.compute().scalars
        #expect(values[0] == 1 && values[1] == 1 && values[2].isNaN)
        #expect(try rocAUC(predictions: scores, targets: targets, task: .multiclass(classes: 3)).scalar == 1)
    }

    @Test func aggregates() throws {
        let mean = Mean()
        mean.update(2, weight: 3)      // a batch of 3 with mean 2
        mean.update(6, weight: 1)
        #expect(try mean.compute().scalar == 3)
        mean.update(Tensor([3, 3]))
        #expect(try mean.compute().scalar == 3)
        let sum = Sum(), low = Minimum(), high = Maximum()
        for value: Float in [4, -2, 7] { sum.update(value); low.update(value); high.update(value) }
        high.update(Tensor([1, 9, 3]))
        #expect(try sum.compute().scalar == 9)
        #expect(try low.compute().scalar == -2)
        #expect(try high.compute().scalar == 9)
        let running = RunningAverage(alpha: 0.5)
        for value: Float in [4, 8, 0] { running.update(value) }
        #expect(try running.compute().scalar == 3)   // 4 -> 6 -> 3
    }

    @Test func compositionComputesFromParts() throws {
        let precision = Precision(task: .binary()), recall = Recall(task: .binary())
        let f1 = 2 * precision * recall / (precision + recall)
        let direct = FBetaScore(task: .binary())
        let predictions = Tensor([0.9, 0.8, 0.3, 0.6, 0.2, 0.7]), targets = Tensor([1, 0, 1, 1, 0, 1])
        for metric in [precision, recall, direct] as [any PredictionMetric] {
            try metric.update(predictions: predictions, targets: targets)
        }
        assertClose(try f1.compute().scalar, try direct.compute().scalar, relative: 1e-6)
        let percent = Accuracy(task: .binary()) * 100
        try (percent.parts[0] as! Accuracy).update(predictions: predictions, targets: targets)
        assertClose(try percent.compute().scalar, 100 * 4 / 6, relative: 1e-6)
        f1.reset()
        #expect(throws: MetricError.noUpdates(metric: "precision")) { try f1.compute() }
    }
}
