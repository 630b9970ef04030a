import Events
import Foundation
import MNISTModels

/// A run's record plus its learning curves, for the comparison report.
public struct RunResult {
    /// The run's JSON record.
    public var record: RunRecord
    /// Training loss at global steps.
    public var lossCurve: [(step: Int, loss: Float)] = []
    /// Test accuracy after each epoch.
    public var accuracyCurve: [(epoch: Int, accuracy: Float)] = []
    /// Where the run's loggers wrote (`--logger`).
    public var logLocations: [String] = []
    /// The run's profile (`--profile`).
    public var profiler: RunProfiler?
    /// Where each Structured hook ran in the Events engine (Structured runs only).
    public var hookPlaces: [String: [String]] = [:]

    /// A result holding `record` and no curves yet.
    public init(record: RunRecord) { self.record = record }

    /// The curves as JSON: `{"frontend": ..., "loss": [[step, loss], ...], "accuracy": [[epoch, acc], ...]}`.
    public var curvesJSON: String {
        let loss = lossCurve.map { "[\($0.step),\($0.loss)]" }.joined(separator: ",")
        let accuracy = accuracyCurve.map { "[\($0.epoch),\($0.accuracy)]" }.joined(separator: ",")
        let logs = (try? JSONSerialization.data(withJSONObject: logLocations)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        let places = (try? JSONSerialization.data(withJSONObject: hookPlaces, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "{\"frontend\":\"\(record.frontend)\",\"loss\":[\(loss)],\"accuracy\":[\(accuracy)],\"logs\":\(logs),\"hook_places\":\(places)}"
    }

    /// Writes the record (`--json`) and curves (`--curves`) where asked, and prints the summary.
    public func report(_ options: RunOptions) throws {
        print(String(format: "trained in %.2f s (%.0f samples/s), test accuracy %.4f, peak RSS %.0f MB",
                     record.trainSeconds, record.samplesPerSecond, record.testAccuracy, record.peakResidentMegabytes))
        for location in logLocations { print("logs: \(location)") }
        print(record.jsonLine)
        if let path = options.jsonPath { try record.append(to: path) }
        if let path = options.curvesPath { try Data((curvesJSON + "\n").utf8).write(to: URL(fileURLWithPath: path)) }
        if let profiler { try writeProfile(profiler, options) }
    }

    /// Prints the profile's table and writes its JSON and Chrome trace into the log folder.
    private func writeProfile(_ profiler: RunProfiler, _ options: RunOptions) throws {
        print(profiler.summaryTable())
        try FileManager.default.createDirectory(atPath: options.logDirectory, withIntermediateDirectories: true)
        let stem = "\(options.logDirectory)/\(record.frontend)-\(record.model)-profile"
        try profiler.writeJSON(to: stem + ".json")
        try profiler.writeTrace(to: stem.replacingOccurrences(of: "-profile", with: "-trace") + ".json")
        print("profile: \(stem).json, \(stem.replacingOccurrences(of: "-profile", with: "-trace")).json (chrome://tracing, Perfetto)")
    }
}

/// Loss points recorded per epoch in the curves.
let curvePointsPerEpoch = 50

/// Runs `body`, returning its value and the seconds it took.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
