// The side-by-side comparison for the character-level GPT: the same configuration, seed and
// corpus trained by the raw core loop, the Events frontend and the Structured frontend, each in
// its own `char-lm` process (so each peak-memory figure is its own), then one table, JSON
// records and an HTML report with the loss curves and the three samples.
// Run with `swift run -c release char-lm-compare --steps 2000 --report reports/char-lm.html`.
import CharLM
import Distributed
import Foundation
import MNISTModels
import TensorCore

struct Run {
    let frontend: String
    let record: [String: Any]
    let loss: [(Double, Double)]
    let sample: String
    /// Where the run's loggers wrote.
    let logs: [String]

    func number(_ key: String) -> Double { (record[key] as? NSNumber)?.doubleValue ?? .nan }
}

/// Trains with `frontend` in a child `char-lm` process.
func train(_ frontend: CharFrontend, _ arguments: [String]) throws -> Run {
    let child = try runComparedChild("char-lm", arguments + ["--frontend", frontend.rawValue])
    if let summary = child.output.split(separator: "\n").first(where: { $0.hasPrefix("\(frontend.rawValue):") }) { print("  \(summary)") }
    let loss = (child.curves["loss"] as? [[NSNumber]] ?? []).map { ($0[0].doubleValue, $0[1].doubleValue) }
    return Run(frontend: frontend.rawValue, record: child.record, loss: loss, sample: child.curves["sample"] as? String ?? "",
               logs: child.curves["logs"] as? [String] ?? [])
}

func table(_ runs: [Run]) -> [[String]] {
    [["frontend", "steps", "train s", "ms/step", "val_loss", "params", "peak RSS MB", "weights CRC-32"]] + runs.map { run in
        [run.frontend, String(Int(run.number("steps"))), String(format: "%.2f", run.number("train_seconds")),
         String(format: "%.1f", run.number("ms_per_step")), String(format: "%.4f", run.number("val_loss")),
         String(Int(run.number("params"))), String(format: "%.0f", run.number("peak_rss_mb")),
         String(format: "%08x", UInt32(run.number("weights_crc32")))]
    }
}

func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

func html(_ runs: [Run], options: CharOptions, identical: Bool) -> String {
    let rows = table(runs)
    var page = htmlPageStart(title: "char-lm: core, Events, Structured")
    page += "<h1>Character-level GPT: the raw core loop, Events and Structured</h1>"
    let c = options.configuration
    page += "<p>\(c.layers) layers, \(c.heads) heads, width \(c.width), context \(c.context), batch \(options.batchSize), \(options.steps) steps, seed \(options.seed), corpus \(escaped(options.dataPath)). "
    page += "Final weights bit-identical across the three runs: <b>\(identical ? "yes" : "no")</b>.</p>"
    page += htmlTable(rows)
    page += "<p>Train seconds cover training only; val_loss is the mean cross-entropy over \(options.validationBatches) seeded validation batches.</p>"
    page += htmlLogLocations(runs.map { ($0.frontend, $0.logs) })
    page += chart("training loss", runs.map { ($0.frontend, $0.loss) }, xLabel: "step")
    page += overlappingCurvesNote(identical: identical)
    for run in runs { page += "<h3>sample (\(run.frontend))</h3><pre>\(escaped(run.sample))</pre>" }
    return page + "</body></html>\n"
}

runCharProgram("char-lm-compare") {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let reportPath = try takeOption("--report", from: &arguments)
    let options = try CharOptions(parsing: arguments)
    guard !arguments.contains("--frontend") else { throw UsageError("char-lm-compare runs all three frontends; drop --frontend") }
    for (flag, path) in [("--json", options.jsonPath), ("--report", reportPath)] {
        if let path { try checkWritableFolder(of: path, flag: flag) }
    }
    let forwarded = arguments.enumerated().filter { index, _ in
        // The records and curves go to each run's own files; --json is written here once.
        !(arguments[index] == "--json" || (index > 0 && arguments[index - 1] == "--json"))
    }.map(\.element)
    print("char-lm-compare: \(options.steps) steps, batch \(options.batchSize), seed \(options.seed)")
    let runs = try CharFrontend.allCases.map { try train($0, forwarded) }
    print("")
    printTable(table(runs))
    let identical = Set(runs.map { Int($0.number("weights_crc32")) }).count == 1
    print("\nfinal weights bit-identical across the three runs: \(identical ? "yes" : "NO")")
    print("sample (\(runs[0].frontend)):\n\(runs[0].sample)")
    if let path = options.jsonPath {
        let lines = try runs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.record, options: [.sortedKeys]), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
    if let path = reportPath {
        try Data(html(runs, options: options, identical: identical).utf8).write(to: URL(fileURLWithPath: path))
        print("report: \(path)")
    }
    if !identical { exit(2) }
}
