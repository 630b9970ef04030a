import Distributed
import Foundation
import Testing
import Events
import Metrics
import TensorCore
import TestSupport

/// The pieces both frontends share around a run: publishing logged values to loggers, sharding
/// data between processes, and resuming from a named checkpoint.
@Suite struct RunPlumbingTests {
    /// Records every `log` call.
    final class Recorder: MetricsLogger {
        var rows: [(values: [String: Float], step: Int)] = []
        var finished: Bool?
        func log(_ values: [String: Float], step: Int) throws { rows.append((values, step)) }
        func logHyperparameters(_ values: [String: String]) throws {}
        func flush() throws {}
        func finish(succeeded: Bool) throws { finished = succeeded }
    }

    @Test func stepValuesReachTheLoggersEveryNStepsAndEpochValuesAtEachEpochsEnd() throws { try withRandomScope(seed: 5) {
        let model = makeClassifier()
        let optimizer = SGD(for: model, learningRate: 0.05)
        let logged = LoggedValues(), recorder = Recorder()
        let publisher = LogPublisher(loggers: [recorder], everySteps: 2)
        let trainer = lossTrainer(model: model, optimizer: optimizer) { (batch: LabeledBatch) in
            let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
            logged.log("loss", loss.scalar, options: .init(onStep: true, onEpoch: true, progressBar: true), batchSize: batch.count)
            return (loss, batch.count)
        }
        logged.attach(to: trainer, publisher: publisher)
        try trainer.run(DataLoader(syntheticData(count: 48), batchSize: 16), maxEpochs: 2)

        // Steps 2, 4 and 6 carry loss_step; the epochs end at steps 3 and 6 with loss_epoch.
        let stepRows = recorder.rows.filter { $0.values["loss_step"] != nil }
        let epochRows = recorder.rows.filter { $0.values["loss_epoch"] != nil }
        #expect(stepRows.map(\.step) == [2, 4, 6] && epochRows.map(\.step) == [3, 6])
        #expect(epochRows.map { $0.values["epoch"] } == [0, 1], "written with the 0-based epoch")
        #expect(trainer.state.metrics["loss_epoch"] == epochRows.last?.values["loss_epoch"])
        #expect(publisher.latest["loss_epoch"] == epochRows.last?.values["loss_epoch"] && publisher.progressBar["loss_step"] != nil)
        try publisher.finish(hyperparameters: [:], step: 6)
        #expect(recorder.finished == true && publisher.loggedKeys == ["loss_step", "loss_epoch"])
    }}

    @Test func onlyTheMainProcessWrites() throws {
        let recorder = Recorder(), publisher = LogPublisher(loggers: [recorder], everySteps: 1, isMain: false)
        let logged = LoggedValues()
        logged.log("loss", 1)
        try publisher.publishEpoch(try logged.epochValues(over: SingleProcessCommunicator()), step: 1, epoch: 0)
        publisher.record("lr-SGD", 0.1, step: 1)
        #expect(recorder.rows.isEmpty && publisher.latest == ["loss": 1, "lr-SGD": 0.1], "other ranks still see the values")
    }

    @Test func shardsSplitTrainingBatchesAndCoverEveryEvaluationExampleOnce() throws {
        let loader = DataLoader(syntheticData(count: 10), batchSize: 4)
        #expect(try loader.shard(for: SingleProcessCommunicator()).batchesPerEpoch == loader.batchesPerEpoch)
        let counts = try InProcessCommunicator.run(worldSize: 3) { communicator in
            let shard = try DataLoader(syntheticData(count: 10), batchSize: 4).shard(for: communicator, forEvaluation: true)
            let batches = shard.makeBatches(epoch: 1, startingAt: 0)
            let examples = batches.reduce(0) { $0 + $1.count }
            #expect(throws: EngineError.unshardableData("Array<Int>")) { try [1, 2, 3].shard(for: communicator) }
            return examples
        }
        #expect(counts.reduce(0, +) == 10, "every example once over the ranks")
    }

    @Test func resumePointsNameTheFileOrSayWhereTheyLooked() throws { try withRandomScope(seed: 6) {
        let folder = try makeTemporaryFolder()
        #expect(throws: EngineError.self) { try ResumePoint.last.file(lastIn: [folder], best: nil) }
        #expect(throws: EngineError.self) { try ResumePoint.best.file(lastIn: [folder], best: nil) }
        let model = makeClassifier(), optimizer = SGD(for: model, learningRate: 0.05)
        let trainer = supervisedTrainer(model: model, optimizer: optimizer)
        let data = DataLoader(syntheticData(count: 32), batchSize: 16)
        try trainer.run(data, maxEpochs: 1)
        try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 1, step: 2, extra: trainer.checkpointEntries).save(to: "\(folder)/last.ckpt")
        let path = try ResumePoint.last.file(lastIn: [folder], best: nil)
        #expect(path == "\(folder)/last.ckpt")

        let other = makeClassifier(), otherOptimizer = SGD(for: other, learningRate: 0.05)
        let resumed = supervisedTrainer(model: other, optimizer: otherOptimizer)
        try resumed.resume(from: path, model: other, optimizer: otherOptimizer)
        #expect(other.parameters.map(\.scalars) == model.parameters.map(\.scalars) && resumed.state.iteration == 2)
    }}
}
