import Foundation
import TensorCore

/// Time per step, handler and hook of a run (Ignite's `HandlersTimeProfiler`, Lightning's
/// `SimpleProfiler`), for both frontends: attach one to an ``Engine`` (``Engine/profiler``) or
/// a Structured `Trainer`, and every step, data fetch, handler and hook is timed.
///
/// The summary lists calls, total, mean and share of the run per name; ``writeJSON(to:)``
/// writes it as JSON and ``writeTrace(to:)`` every span in Chrome's trace-event format, which
/// `chrome://tracing` and Perfetto open. Spans nest (a hook inside a handler inside an event), so
/// shares of nested names add up to more than 100%. With no profiler attached, the engine only
/// checks for nil.
///
/// With ``operations`` set, every step also runs under that ``OperationProfiler``: forward and
/// backward time per operation and layer, with FLOPs, in the same table, JSON and trace.
///
/// ```swift
/// let profiler = RunProfiler()
/// trainer.profiler = profiler
/// try trainer.run(loader, maxEpochs: 1)
/// print(profiler.summaryTable())
/// try profiler.writeTrace(to: "profile.trace.json")
/// ```
public final class RunProfiler {
    /// What a span timed.
    public enum Category: String, Sendable, Codable {
        /// The step function (the work per batch).
        case step
        /// Taking the next batch from the data.
        case data
        /// An event handler.
        case handler
        /// A Structured hook (a callback's or the module's).
        case hook
    }

    /// One timed call.
    public struct Span: Sendable {
        /// What ran: a handler's or hook's name, `step` or `data`.
        public let name: String
        /// What kind of code it was.
        public let category: Category
        /// Start, in nanoseconds since the profiler was made.
        public let start: UInt64
        /// Duration in nanoseconds.
        public let duration: UInt64
    }

    /// One row of the summary.
    public struct Row: Sendable, Codable, Equatable {
        /// The name the spans share.
        public let name: String
        /// Their category.
        public let category: Category
        /// How many calls.
        public let calls: Int
        /// Their total time, in seconds.
        public let totalSeconds: Double
        /// Mean time per call, in seconds.
        public var meanSeconds: Double { totalSeconds / Double(max(calls, 1)) }
        /// Total time as a share of the run (0 to 1).
        public let shareOfRun: Double
    }

    private let origin = DispatchTime.now().uptimeNanoseconds
    /// The spans as plain values with interned names. A String per span, kept for the whole run,
    /// would be a small long-lived allocation after every step, carved out of the freed
    /// activation buffers; glibc could then reuse none of them whole, and a CNN epoch's resident
    /// memory grew by 4 MB a step (3.9 GB), though live memory stayed under 170 MB (heaptrack).
    private var records: [(name: Int32, category: Category, start: UInt64, duration: UInt64)] = []
    private var names = SpanNames()

    /// Every span recorded, in the order the calls ended.
    public var spans: [Span] {
        records.map { Span(name: names.names[Int($0.name)], category: $0.category, start: $0.start, duration: $0.duration) }
    }

    /// Times each operation inside the steps, when set.
    public let operations: OperationProfiler?

    /// An empty profiler; its clock starts now. With `operations`, the steps' operations are
    /// timed too.
    public init(operations: OperationProfiler? = nil) { self.operations = operations }

    /// Runs `body` and records its time under `name`.
    @inline(__always)
    public func measure<T>(_ name: @autoclosure () -> String, category: Category, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { records.append((names.index(of: name()), category, start - origin, DispatchTime.now().uptimeNanoseconds - start)) }
        if category == .step, let operations { return try operations.profile(region: name(), body) }
        return try body()
    }

    /// The wall time from the first span's start to the last span's end, in seconds.
    public var runSeconds: Double {
        guard let first = records.map(\.start).min(), let last = records.map({ $0.start + $0.duration }).max() else { return 0 }
        return Double(last - first) / 1e9
    }

    /// One row per name, the most expensive first.
    public func summary() -> [Row] {
        let spans = self.spans
        var totals: [String: (category: Category, calls: Int, nanoseconds: UInt64)] = [:]
        for span in spans {
            let entry = totals[span.name] ?? (span.category, 0, 0)
            totals[span.name] = (entry.category, entry.calls + 1, entry.nanoseconds + span.duration)
        }
        let run = max(runSeconds, 1e-12)
        return totals.map { name, entry in
            Row(name: name, category: entry.category, calls: entry.calls, totalSeconds: Double(entry.nanoseconds) / 1e9,
                shareOfRun: Double(entry.nanoseconds) / 1e9 / run)
        }.sorted { ($0.totalSeconds, $1.name) > ($1.totalSeconds, $0.name) }
    }

    /// The summary as a text table: name, category, calls, total, mean and share of the run.
    public func summaryTable() -> String {
        let rows = summary()
        let width = max(24, (rows.map(\.name.count).max() ?? 0) + 2)
        var lines = ["name".padding(toLength: width, withPad: " ", startingAt: 0) + "category     calls     total s     mean ms   share"]
        for row in rows {
            lines.append(row.name.padding(toLength: width, withPad: " ", startingAt: 0)
                + row.category.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                + String(format: "%8d  %10.4f  %10.4f  %5.1f%%", row.calls, row.totalSeconds, row.meanSeconds * 1e3, row.shareOfRun * 100))
        }
        lines.append(String(format: "run: %.4f s (shares of nested spans overlap)", runSeconds))
        if let operations { lines.append(operations.summaryTable()) }
        return lines.joined(separator: "\n")
    }

    /// Writes the summary as JSON: `{"run_seconds": …, "rows": [{name, category, calls, totalSeconds, shareOfRun}]}`.
    /// - Throws: the file system's error.
    public func writeJSON(to path: String) throws {
        struct Document: Encodable {
            let run_seconds: Double, rows: [Row], operations: [OperationProfiler.Row]?, operation_coverage: [String: Double]?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let operationRows = operations?.summary()
        let coverage = operations.map { operations in
            Dictionary(Set(operationRows!.map(\.region)).map { ($0, operations.coverage(of: $0)) }) { first, _ in first }
        }
        try encoder.encode(Document(run_seconds: runSeconds, rows: summary(), operations: operationRows, operation_coverage: coverage))
            .write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Writes every span in Chrome's trace-event format (complete events, `"ph": "X"`, times in
    /// microseconds), which `chrome://tracing` and Perfetto open.
    /// - Throws: the file system's error.
    public func writeTrace(to path: String) throws {
        struct Event: Encodable { let name: String; let cat: String; let ph: String; let ts: Double; let dur: Double; let pid: Int; let tid: Int }
        struct Document: Encodable { let traceEvents: [Event]; let displayTimeUnit: String }
        var events = spans.map {
            Event(name: $0.name, cat: $0.category.rawValue, ph: "X", ts: Double($0.start) / 1e3, dur: Double($0.duration) / 1e3, pid: 1, tid: 1)
        }
        // Operations on a second track, on this profiler's clock.
        if let operations {
            events += operations.spans.map {
                Event(name: $0.name, cat: $0.pass.rawValue, ph: "X", ts: Double(Int64(bitPattern: $0.uptimeStart &- origin)) / 1e3, dur: Double($0.duration) / 1e3, pid: 1, tid: 2)
            }
        }
        try JSONEncoder().encode(Document(traceEvents: events, displayTimeUnit: "ms")).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Names stored once each, so that a profile holds no string per span.
struct SpanNames {
    private(set) var names: [String] = []
    private var indices: [String: Int32] = [:]

    /// `name`'s number, given at its first use.
    mutating func index(of name: String) -> Int32 {
        if let index = indices[name] { return index }
        names.append(name)
        indices[name] = Int32(names.count - 1)
        return Int32(names.count - 1)
    }
}
