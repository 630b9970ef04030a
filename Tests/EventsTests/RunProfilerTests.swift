import Foundation
import Testing
import Events
import TensorCore

/// Time per step, data fetch and handler (Ignite's HandlersTimeProfiler), written as a table,
/// JSON and Chrome's trace-event format.
@Suite struct RunProfilerTests {
    @Test func everyStepFetchAndHandlerIsTimedUnderItsName() throws {
        let profiler = RunProfiler()
        let engine = Engine<Int, Int> { _, batch in batch * 2 }
        engine.name = "trainer"
        engine.profiler = profiler
        engine.on(.iterationCompleted(every: 2), named: "every other") { _ in }
        engine.on(.epochCompleted) { _ in }
        try engine.run([1, 2, 3, 4], maxEpochs: 3)
        let rows = Dictionary(uniqueKeysWithValues: profiler.summary().map { ($0.name, $0) })
        #expect(rows["trainer step"]?.calls == 12 && rows["trainer step"]?.category == .step)
        #expect(rows["trainer data"]?.calls == 12)
        #expect(rows["every other (iterationCompleted)"]?.calls == 6)
        #expect(rows["epochCompleted #1"]?.calls == 3)   // unnamed: the event and the registration
        #expect(rows.values.allSatisfy { $0.totalSeconds >= 0 && $0.shareOfRun <= 1.0001 })
        #expect(profiler.summaryTable().contains("trainer step"))
    }

    /// The trace is what chrome://tracing and Perfetto read: `traceEvents` of complete events
    /// ("ph": "X") with a name, category, microsecond start and duration, process and thread.
    @Test func theTraceFollowsTheTraceEventFormat() throws {
        let profiler = RunProfiler()
        let engine = Engine<Int, Void> { _, _ in }
        engine.profiler = profiler
        engine.on(.iterationCompleted, named: "handler") { _ in }
        try engine.run([1, 2, 3])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profiler-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try profiler.writeTrace(to: "\(folder)/trace.json")
        try profiler.writeJSON(to: "\(folder)/profile.json")
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/trace.json"))) as! [String: Any]
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        #expect(events.count == 9)   // 3 steps, 3 fetches, 3 handler calls
        for event in events {
            #expect(event["name"] is String && event["cat"] is String && event["ph"] as? String == "X")
            #expect((event["ts"] as? Double).map { $0 >= 0 } == true && (event["dur"] as? Double).map { $0 >= 0 } == true)
            #expect(event["pid"] as? Int == 1 && event["tid"] as? Int == 1)
        }
        let starts = events.map { $0["ts"] as! Double }
        #expect(starts.max()! >= starts.min()!)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/profile.json"))) as! [String: Any]
        #expect((summary["rows"] as? [[String: Any]])?.count == 3 && summary["run_seconds"] is Double)
    }
}
