import Testing
import Events
import TensorCore

/// Records which events fire, in order, with the engine's counters at the time.
final class EventRecorder {
    var log: [String] = []

    func attach<B, O>(to engine: Engine<B, O>, _ kinds: [EventKind]) {
        for kind in kinds {
            engine.on(.on(kind)) { engine in self.log.append("\(kind) e\(engine.state.epoch) i\(engine.state.iteration)") }
        }
    }
}

let everyEvent: [EventKind] = [.started, .epochStarted, .batchFetchStarted, .batchFetchCompleted, .iterationStarted,
                               .iterationCompleted, .terminateSingleEpoch, .terminate, .epochCompleted, .completed]

@Suite struct EngineTests {
    func makeEngine() -> Engine<Int, Int> { Engine { _, batch in batch * 10 } }

    @Test func eventOrderOnASmallRun() throws {
        let engine = makeEngine()
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.started, .epochStarted, .iterationStarted, .iterationCompleted, .epochCompleted, .completed])
        try engine.run([1, 2], maxEpochs: 2)
        #expect(recorder.log == [
            "started e0 i0",
            "epochStarted e1 i0", "iterationStarted e1 i1", "iterationCompleted e1 i1", "iterationStarted e1 i2", "iterationCompleted e1 i2", "epochCompleted e1 i2",
            "epochStarted e2 i2", "iterationStarted e2 i3", "iterationCompleted e2 i3", "iterationStarted e2 i4", "iterationCompleted e2 i4", "epochCompleted e2 i4",
            "completed e2 i4",
        ])
        #expect(engine.state.output == 20)
        #expect(engine.state.batch == 2)
        #expect(engine.state.isFinished)
        #expect(engine.state.times[.completed] != nil && engine.state.times[.epochCompleted] != nil)
    }

    @Test func batchFetchEventsSurroundTheFetch() throws {
        let engine = makeEngine()
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.batchFetchStarted, .batchFetchCompleted, .iterationStarted])
        try engine.run([5])
        #expect(recorder.log == ["batchFetchStarted e1 i0", "batchFetchCompleted e1 i0", "iterationStarted e1 i1"])
    }

    @Test func filters() throws {
        let engine = makeEngine()
        var every: [Int] = [], once: [Int] = [], window: [Int] = [], custom: [Int] = [], epochs: [Int] = []
        engine.on(.iterationCompleted(every: 3)) { every.append($0.state.iteration) }
        engine.on(.iterationCompleted(once: [2, 5])) { once.append($0.state.iteration) }
        engine.on(.iterationStarted(before: 5, after: 2)) { window.append($0.state.iteration) }
        engine.on(.iterationCompleted(where: { $0 % 4 == 1 })) { custom.append($0.state.iteration) }
        engine.on(.epochCompleted(every: 2) | .completed) { epochs.append($0.state.epoch) }
        try engine.run([1, 2, 3], maxEpochs: 3)
        #expect(every == [3, 6, 9])
        #expect(once == [2, 5])
        #expect(window == [3, 4])
        #expect(custom == [1, 5, 9])
        #expect(epochs == [2, 3])
    }

    @Test func handlersRunInRegistrationOrderAndCanBeRemoved() throws {
        let engine = makeEngine()
        var calls: [String] = []
        engine.on(.iterationCompleted) { _ in calls.append("a") }
        let b = engine.on(.iterationCompleted) { _ in calls.append("b") }
        engine.on(.iterationCompleted) { _ in calls.append("c") }
        try engine.run([1])
        b.remove()
        b.remove()
        try engine.run([1])
        #expect(calls == ["a", "b", "c", "a", "c"])
    }

    @Test func terminateStopsAfterTheCurrentIteration() throws {
        let engine = makeEngine()
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.iterationCompleted, .terminate, .epochCompleted, .completed])
        engine.on(.iterationCompleted(once: [2])) { $0.terminate() }
        try engine.run([1, 2, 3], maxEpochs: 5)
        #expect(recorder.log == ["iterationCompleted e1 i1", "iterationCompleted e1 i2", "terminate e1 i2", "epochCompleted e1 i2", "completed e1 i2"])
        #expect(!engine.state.isFinished)
        // A terminated run resumes where it stopped.
        recorder.log = []
        try engine.run([1, 2, 3], maxEpochs: 1)
        #expect(recorder.log == ["iterationCompleted e1 i3", "epochCompleted e1 i3", "completed e1 i3"])
    }

    @Test func terminateEpochSkipsToTheNextEpoch() throws {
        let engine = makeEngine()
        var seen: [Int] = []
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.terminateSingleEpoch, .epochCompleted])
        engine.on(.iterationCompleted) { seen.append($0.state.batch!) }
        engine.on(.iterationCompleted(once: [1])) { $0.terminateEpoch() }
        try engine.run([1, 2, 3], maxEpochs: 2)
        #expect(seen == [1, 1, 2, 3])
        #expect(recorder.log == ["terminateSingleEpoch e1 i1", "epochCompleted e1 i3", "epochCompleted e2 i6"])
    }

    struct Failure: Error, Equatable { let message: String }

    @Test func errorsReachErrorHandlersThenPropagateUnlessHandled() throws {
        let failing = Engine<Int, Int> { engine, _ in
            if engine.state.iteration == 2 { throw Failure(message: "bad batch") }
            return 0
        }
        var seen: [String] = []
        failing.onError { engine, error in
            seen.append("\(error) at \(engine.state.iteration)")
            return false
        }
        #expect(throws: Failure(message: "bad batch")) { try failing.run([1, 2, 3]) }
        #expect(seen == ["Failure(message: \"bad batch\") at 2"])
        failing.onError { _, _ in true }
        try failing.run([1, 2, 3])   // handled: no throw
        // Handler errors go the same way.
        let engine = makeEngine()
        engine.on(.epochCompleted) { _ in throw Failure(message: "handler") }
        #expect(throws: Failure(message: "handler")) { try engine.run([1]) }
    }

    @Test func customEvents() throws {
        let engine = Engine<Int, Int> { engine, batch in
            if batch.isMultiple(of: 2) { try engine.fire(.custom("even")) }
            return batch
        }
        var evens: [Int] = []
        engine.on(.custom("even")) { evens.append($0.state.batch!) }
        try engine.run([1, 2, 3, 4])
        #expect(evens == [2, 4])
    }

    @Test func badArgumentsAreClearErrors() {
        #expect(throws: EngineError.emptyData) { try makeEngine().run([Int]()) }
        #expect(throws: EngineError.invalidMaxEpochs(0)) { try makeEngine().run([1], maxEpochs: 0) }
        #expect(throws: EngineError.epochLengthTooLong(requested: 5, available: 1)) { try makeEngine().run([1], epochLength: 5) }
        #expect(throws: EngineError.invalidCheckpoint("the checkpoint holds no engine position")) {
            try makeEngine().restore(from: [:])
        }
    }

    @Test func epochLengthLimitsEachEpoch() throws {
        let engine = makeEngine()
        var seen: [Int] = []
        engine.on(.iterationCompleted) { seen.append($0.state.batch!) }
        try engine.run([1, 2, 3], maxEpochs: 2, epochLength: 2)
        #expect(seen == [1, 2, 1, 2])
    }
}

/// Ignite 0.5's `interrupt()`: a pause that a later `run` resumes, distinct from `terminate()`.
@Suite struct InterruptTests {
    @Test func anInterruptedRunResumesOnTheBatchesAnUninterruptedOneSees() throws {
        var seen: [Int] = []
        let engine = Engine<Int, Void> { _, batch in seen.append(batch) }
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.started, .epochStarted, .interrupt, .epochCompleted, .completed])
        engine.on(.iterationCompleted) { engine in if [11, 22].contains(engine.state.iteration) { engine.interrupt() } }
        let data = Array(0..<10)
        var pauses: [(Int, Int)] = []
        for _ in 0..<3 {
            let state = try engine.run(data, maxEpochs: 3)
            pauses.append((state.epoch, state.iteration))
            if state.isFinished { break }
        }
        #expect(pauses.map(\.0) == [2, 3, 3] && pauses.map(\.1) == [11, 22, 30])
        #expect(seen == Array(0..<10) + Array(0..<10) + Array(0..<10))
        #expect(recorder.log == [
            "started e0 i0", "epochStarted e1 i0", "epochCompleted e1 i10", "epochStarted e2 i10", "interrupt e2 i11",
            "epochCompleted e2 i20", "epochStarted e3 i20", "interrupt e3 i22", "epochCompleted e3 i30", "completed e3 i30",
        ])
    }

    @Test func aPauseAtAnEpochsEndStartsTheNextEpochOnResumeAndTerminateStillEndsTheRun() throws {
        let engine = Engine<Int, Void> { _, _ in }
        let recorder = EventRecorder()
        recorder.attach(to: engine, [.epochStarted, .interrupt, .terminate, .epochCompleted, .completed])
        engine.on(.iterationCompleted) { engine in
            if engine.state.iteration == 2 { engine.interrupt() }
            if engine.state.iteration == 3 { engine.terminate() }
        }
        try engine.run([1, 2], maxEpochs: 3)
        #expect(!engine.state.isFinished && engine.state.iteration == 2)
        try engine.run([1, 2], maxEpochs: 3)
        #expect(recorder.log == [
            "epochStarted e1 i0", "epochCompleted e1 i2", "interrupt e1 i2",
            "epochStarted e2 i2", "terminate e2 i3", "epochCompleted e2 i3", "completed e2 i3",
        ])
    }
}
