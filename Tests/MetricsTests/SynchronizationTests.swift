import Testing
import Metrics
import TensorCore
import TestSupport
import Distributed

/// A metric computed across ranks equals one process on all the data, with uneven shards (no
/// padding, no duplicates), for every kind of state reduction.
@Suite struct SynchronizationTests {
    static let fixture = MetricReferenceTests.fixture

    /// Shards `count` examples unevenly over `worldSize` ranks: rank r gets a contiguous block.
    static func shard(_ count: Int, rank: Int, worldSize: Int) -> Range<Int> {
        let cuts = (0...worldSize).map { count * $0 * ($0 + 1) / (worldSize * (worldSize + 1)) }
        return cuts[rank]..<cuts[rank + 1]
    }

    static let makers: [(String, String, @Sendable () -> any PredictionMetric)] = [
        ("multiclass", "accuracy macro", { Accuracy(task: .multiclass(classes: 6), averaging: .macro) }),
        ("multiclass", "f1 weighted", { FBetaScore(task: .multiclass(classes: 6), averaging: .weighted) }),
        ("multiclass", "kappa", { CohenKappa(task: .multiclass(classes: 6)) }),
        ("multiclass_ranking", "roc auc", { ROCAUC(task: .multiclass(classes: 5)) }),
        ("binary", "average precision", { AveragePrecision(task: .binary()) }),
        ("multilabel", "recall micro", { Recall(task: .multilabel(labels: 4), averaging: .micro) }),
        ("regression_multioutput", "r2", { R2Score(outputs: 3) }),
    ]

    @Test(arguments: 0..<SynchronizationTests.makers.count)
    func distributedEqualsSingleProcess(_ index: Int) throws {
        let (caseName, _, make) = Self.makers[index]
        let predictions = Self.fixture.tensor(caseName, "predictions").scalars
        let predictionShape = Self.fixture.tensor(caseName, "predictions").shape
        let targets = Self.fixture.tensor(caseName, "targets").scalars
        let targetShape = Self.fixture.tensor(caseName, "targets").shape
        let single = make()
        try single.update(predictions: Tensor(predictions, shape: predictionShape), targets: Tensor(targets, shape: targetShape))
        let expected = try single.compute().scalars

        let results = try InProcessCommunicator.run(worldSize: 3) { communicator in
            let p = Tensor(predictions, shape: predictionShape), t = Tensor(targets, shape: targetShape)
            let rows = Self.shard(targetShape[0], rank: communicator.rank, worldSize: 3)
            let metric = make()
            try metric.update(predictions: p[rows], targets: t[rows])
            return try metric.compute(over: communicator).scalars
        }
        for result in results {
            #expect(result.count == expected.count)
            for (a, b) in zip(result, expected) { assertClose(a, b, relative: 1e-6, absolute: 1e-7) }
        }
    }

    @Test func aggregatesAndCompositionSynchronize() throws {
        let results = try InProcessCommunicator.run(worldSize: 4) { communicator in
            let rank = Float(communicator.rank)
            let mean = Mean(), high = Maximum(), low = Minimum(), running = RunningAverage(alpha: 0.5)
            mean.update(rank, weight: rank + 1)      // ranks hold different amounts of data
            high.update(rank * 10)
            low.update(-rank)
            for step in 0..<3 { running.update(rank + Float(step)) }
            let precision = Precision(task: .binary()), recall = Recall(task: .binary())
            let f1 = 2 * precision * recall / (precision + recall)
            let predictions = communicator.rank % 2 == 0 ? Tensor([0.9, 0.2]) : Tensor([0.8, 0.7])
            try precision.update(predictions: predictions, targets: Tensor([1, 1]))
            try recall.update(predictions: predictions, targets: Tensor([1, 1]))
            let metrics: [any Metric] = [mean, high, low, running, f1]
            return try metrics.map { try $0.compute(over: communicator).scalar }
        }
        // Weighted mean: Σ r(r+1) / Σ (r+1) = 20 / 10. EMA per rank r: r+1.25; mean over ranks: 2.75.
        // F1 over all: tp 6, fn 2, fp 0 -> precision 1, recall 0.75.
        for values in results {
            #expect(values[0] == 2)
            #expect(values[1] == 30)
            #expect(values[2] == -3)
            #expect(values[3] == 2.75)
            assertClose(values[4], 2 * 0.75 / 1.75, relative: 1e-6)
        }
    }
}
