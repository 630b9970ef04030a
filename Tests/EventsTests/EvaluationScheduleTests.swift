import Testing
import Events

/// When a training run evaluates: the one schedule both frontends read.
@Suite struct EvaluationScheduleTests {
    /// The iterations (epoch:iteration) at which `schedule` evaluates over `epochs` epochs of
    /// `length` batches.
    func evaluations(_ schedule: EvaluationSchedule, epochs: Int, length: Int, stopAfter: Int? = nil) throws -> [String] {
        var seen: [String] = []
        let engine = Engine<Int, Void> { engine, _ in if engine.state.iteration == stopAfter { engine.terminate() } }
        schedule.attach(to: engine) { seen.append("\($0.state.epoch):\($0.state.iteration)") }
        try engine.run(Array(0..<length), maxEpochs: epochs)
        return seen
    }

    @Test func fractionsOfAnEpochAndEveryFewEpochs() throws {
        #expect(try evaluations(EvaluationSchedule(), epochs: 2, length: 4) == ["1:4", "2:8"])
        #expect(try evaluations(EvaluationSchedule(interval: .fraction(0.5)), epochs: 2, length: 4) == ["1:2", "1:4", "2:6", "2:8"])
        #expect(try evaluations(EvaluationSchedule(everyEpochs: 2), epochs: 4, length: 2) == ["2:4", "4:8"])
    }

    @Test func everyFewBatchesAcrossEpochBoundaries() throws {
        #expect(try evaluations(EvaluationSchedule(interval: .everyBatches(3), everyEpochs: nil), epochs: 2, length: 4) == ["1:3", "2:6"])
        // At an epoch's end the every-epoch rule adds its own evaluation.
        #expect(try evaluations(EvaluationSchedule(interval: .everyBatches(3)), epochs: 2, length: 4) == ["1:3", "1:4", "2:6", "2:8"])
    }

    @Test func aRunStoppedMidEpochDoesNotEvaluateAtTheEpochsEnd() throws {
        #expect(try evaluations(EvaluationSchedule(interval: .fraction(0.5)), epochs: 2, length: 4, stopAfter: 6) == ["1:2", "1:4"])
        #expect(BatchLimit.fraction(0.3).batches(of: 10) == 3 && BatchLimit.count(20).batches(of: 10) == 10 && BatchLimit.fraction(0.01).batches(of: 10) == 1)
    }
}
