import Distributed
import Metrics
import Testing
import Events
import TensorCore

/// Values a step logs by name, combined per epoch: the aggregation behind Structured's `log`,
/// usable from any Events step.
@Suite struct LoggedValuesTests {
    @Test func eachReductionCombinesTheEpochsCalls() throws {
        let logged = LoggedValues()
        for (value, size) in [(Float(1), 1), (4, 3)] {
            logged.log("mean", value, batchSize: size)
            logged.log("sum", value, options: .init(reduction: .sum))
            logged.log("max", value, options: .init(reduction: .max))
            logged.log("min", value, options: .init(reduction: .min))
        }
        let epoch = try logged.epochValues(over: SingleProcessCommunicator())
        #expect(epoch.values == ["mean": 3.25, "sum": 5, "max": 4, "min": 1])   // the mean weighs by batch size
        #expect(epoch.logger == ["mean", "sum", "max", "min"] && epoch.progressBar.isEmpty)
    }

    @Test func aNameLoggedPerStepAndPerEpochGetsTwoKeys() throws {
        let logged = LoggedValues()
        let both = LoggedValues.Options(onStep: true, onEpoch: true, progressBar: true)
        logged.log("loss", 2, options: both)
        logged.log("lr", 0.1, options: .init(onStep: true, onEpoch: false))
        #expect(logged.pendingStepValues.values == ["loss_step": 2, "lr": 0.1])
        #expect(logged.takeStepValues().progressBar == ["loss_step"])
        #expect(logged.takeStepValues().values.isEmpty)   // taking clears them
        logged.log("loss", 4, options: both)
        #expect(try logged.epochValues(over: SingleProcessCommunicator()).values == ["loss_epoch": 3])
    }

    /// Every batch publishes its step values and clears them (their storage is kept for the next
    /// batch's); a frontend that showed them already publishes without showing them again.
    @Test func publishingStepValuesClearsThemAndShowsThemUnlessShownAlready() throws {
        let logged = LoggedValues(), publisher = LogPublisher()
        let options = LoggedValues.Options(onStep: true, onEpoch: false, progressBar: true)
        logged.log("loss", 2, options: options)
        try logged.publishStepValues(to: publisher, step: 1, epoch: 0, showing: false)
        #expect(publisher.latest.isEmpty && logged.pendingStepValues.values.isEmpty)
        logged.log("loss", 3, options: options)
        logged.log("lr", 0.5, options: .init(onStep: true, onEpoch: false))
        #expect(logged.stepValuesLogged == 3)
        try logged.publishStepValues(to: publisher, step: 2, epoch: 0)
        #expect(publisher.latest == ["loss": 3, "lr": 0.5] && publisher.progressBar == ["loss": 3])
        logged.log("lr", 0.25, options: .init(onStep: true, onEpoch: false))
        #expect(logged.pendingStepValues.values == ["lr": 0.25], "the cleared snapshot holds only the new step's values")
    }

    @Test func metricObjectsAreComputedAndResetAtTheEpochsEnd() throws {
        let logged = LoggedValues(), mean = Mean()
        logged.log("score", metric: mean)
        mean.update(2)
        mean.update(4)
        #expect(try logged.epochValues(over: SingleProcessCommunicator()).values == ["score": 3])
        #expect(throws: MetricError.self) { try logged.epochValues(over: SingleProcessCommunicator()) }   // reset: no updates since
    }

    @Test func synchronizedValuesCombineEveryRank() throws {
        let results = try InProcessCommunicator.run(worldSize: 3) { world in
            let logged = LoggedValues(), rank = Float(world.rank)
            logged.log("mean", rank, options: .init(synchronized: true), batchSize: world.rank + 1)
            logged.log("max", rank, options: .init(reduction: .max, synchronized: true))
            logged.log("local", rank)
            return try logged.epochValues(over: world).values
        }
        for (rank, values) in results.enumerated() {
            #expect(values["mean"] == Float(0 * 1 + 1 * 2 + 2 * 3) / 6)
            #expect(values["max"] == 2)
            #expect(values["local"] == Float(rank))   // not synchronized: each rank's own
        }
    }

    @Test func attachedToAnEngineEachEpochLandsInItsMetrics() throws {
        let logged = LoggedValues()
        var perEpoch: [Float] = []
        let engine = Engine<Int, Void> { _, batch in logged.log("batch", Float(batch)) }
        logged.attach(to: engine)
        engine.on(.epochCompleted) { perEpoch.append($0.state.metrics["batch"]!) }
        try engine.run([1, 2, 3, 6], maxEpochs: 2)
        #expect(perEpoch == [3, 3])   // the second epoch starts from nothing
    }
}
