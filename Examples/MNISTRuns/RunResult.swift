import Events
import Foundation
import TensorCore
import MNISTModels

/// A run's record plus its learning curves, for the comparison report.
public struct RunResult {
    /// The run's JSON record.
    public var record: RunRecord
    /// Training loss at global steps.
    public var lossCurve: [(step: Int, loss: Float)] = []
    /// Test accuracy after each epoch.
    public var accuracyCurve: [(epoch: Double, accuracy: Float)] = []
    /// Where the run's loggers wrote (`--logger`).
    public var logLocations: [String] = []
    /// The run's profile (`--profile`).
    public var profiler: RunProfiler?
    /// The learning-rate range test's suggestion and plot (`--lr-find`).
    public var learningRateFind: (suggestion: Float?, svg: String)?
    /// The last evaluation's confusion matrix, when the run computed one (rows: true digits).
    public var confusion: Tensor?
    /// Milliseconds per training step, averaged over the steps between loss-curve points.
    public var stepTimes: [(step: Int, milliseconds: Double)] = []
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
        let steps = stepTimes.map { "[\($0.step),\($0.milliseconds)]" }.joined(separator: ",")
        var confusionRows: [String] = []
        if let matrix = confusion {
            let width = matrix.shape.last ?? 1, values = matrix.scalars.map { String($0) }
            for start in stride(from: 0, to: values.count, by: width) {
                confusionRows.append("[" + values[start..<(start + width)].joined(separator: ",") + "]")
            }
        }
        let confusion = confusionRows.joined(separator: ",")
        let finder = learningRateFind.flatMap { found in
            try? JSONSerialization.data(withJSONObject: ["suggestion": found.suggestion.map { Double($0) } as Any, "svg": found.svg])
        }.map { ",\"lr_find\":" + String(decoding: $0, as: UTF8.self) } ?? ""
        return "{\"frontend\":\"\(record.frontend)\",\"loss\":[\(loss)],\"accuracy\":[\(accuracy)],\"step_ms\":[\(steps)],\"confusion\":[\(confusion)],"
            + "\"logs\":\(logs),\"hook_places\":\(places)\(finder)}"
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

/// Time per training step for the comparison's chart, measured the same way in every frontend
/// where it records its loss curve: the mean over the steps since the last point, restarted
/// at each epoch so that evaluation and checkpoints are not counted.
public final class StepClock {
    private var last = DispatchTime.now().uptimeNanoseconds, steps = 0
    /// `(step, milliseconds per step)` points.
    public private(set) var points: [(step: Int, milliseconds: Double)] = []
    /// A clock with no points.
    public init() {}
    /// An epoch starts: time before now belongs to no step.
    public func restart() {
        last = DispatchTime.now().uptimeNanoseconds
        steps = 0
    }
    /// Step `step` ended; with `record`, a point closes the window.
    public func tick(step: Int, record: Bool) {
        steps += 1
        guard record else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        points.append((step, Double(now - last) / 1e6 / Double(steps)))
        (last, steps) = (now, 0)
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
