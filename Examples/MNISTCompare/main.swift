// The side-by-side comparison: the same reference model, seed and data trained by the raw core
// loop, the Events frontend and the Structured frontend, each in its own process (so that each
// peak-memory figure is its own), then one table, optional JSON records and an HTML report.
// Run with `swift run -c release mnist-compare --model mlp --report report.html`.
import Distributed
import Foundation
import MNISTModels
import TensorCore
import Datasets

struct Run {
    let frontend: String
    let record: [String: Any]
    let loss: [(Double, Double)]
    /// Milliseconds per step at sampled steps.
    let stepTimes: [(Double, Double)]
    /// The last evaluation's confusion matrix, if the run made one.
    let confusion: [[Double]]
    let accuracy: [(Double, Double)]
    let userCodeLines: Int?
    /// Where the run's loggers wrote.
    let logs: [String]
    /// Where each Structured hook ran in the Events engine (the Structured run only).
    let hookPlaces: [String: [String]]
    /// Everything the run wrote with `--curves`.
    let curves: [String: Any]

    func number(_ key: String) -> Double { (record[key] as? NSNumber)?.doubleValue ?? .nan }
}

let frontends = ["core", "events", "structured"]

/// Lines of code (not blank, not comments) in the frontend's user code, found from the working
/// directory or from the build folder up; nil when the sources are not around.
func userCodeLines(_ frontend: String) -> Int? {
    exampleSource(userCodeFile(frontend)).map { source in
        source.split(separator: "\n").filter {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return !line.isEmpty && !line.hasPrefix("//")
        }.count
    }
}

/// The file holding a frontend's training code.
func userCodeFile(_ frontend: String) -> String { "Examples/MNISTRuns/\(frontend.prefix(1).uppercased() + frontend.dropFirst())Run.swift" }

/// Two tables made from what the Structured run's hook dispatcher saw: each hook with the place
/// in the Events engine it ran in, and each place with the hooks it runs.
func hookTables(_ places: [String: [String]]) -> String {
    guard !places.isEmpty else { return "" }
    var html = "<h2>Structured hooks and Events events</h2><p>Recorded by the Trainer's hook dispatcher during the Structured run "
        + "(<code>Trainer.hookPlaces</code>): the Structured frontend is a layer over the Events engine, so every hook runs inside one "
        + "of its events or its step function, or outside the engine (before or after the run).</p>"
    html += "<table style=\"display:inline-table;vertical-align:top;margin-right:20px\"><tr><th>Structured hook</th><th>runs in (Events)</th></tr>"
    for hook in places.keys.sorted() {
        // The module's own methods keep their names; the rest are `on…` hooks.
        let name = ["trainingStep", "validationStep", "testStep", "predictStep", "configureOptimizers"].contains(hook)
            ? hook : "on" + hook.prefix(1).uppercased() + hook.dropFirst()
        html += "<tr><td style=\"text-align:left\"><code>\(name)</code></td><td style=\"text-align:left\">"
            + places[hook]!.joined(separator: "<br>") + "</td></tr>"
    }
    var byPlace: [String: [String]] = [:]
    for (hook, list) in places { for place in list { byPlace[place, default: []].append(hook) } }
    html += "</table><table style=\"display:inline-table;vertical-align:top\"><tr><th>Events engine</th><th>Structured hooks it runs</th></tr>"
    for place in byPlace.keys.sorted() {
        html += "<tr><td style=\"text-align:left\">\(place)</td><td style=\"text-align:left\">" + byPlace[place]!.sorted().joined(separator: ", ") + "</td></tr>"
    }
    return html + "</table>"
}

func train(_ frontend: String, _ arguments: [String]) throws -> Run {
    let child = try runComparedChild("mnist-\(frontend)", arguments)
    if let summary = child.output.split(separator: "\n").last(where: { $0.hasPrefix("trained in") }) { print("  \(frontend): \(summary)") }
    func points(_ key: String) -> [(Double, Double)] {
        (child.curves[key] as? [[NSNumber]] ?? []).map { ($0[0].doubleValue, $0[1].doubleValue) }
    }
    return Run(frontend: frontend, record: child.record, loss: points("loss"), stepTimes: points("step_ms"),
               confusion: (child.curves["confusion"] as? [[NSNumber]] ?? []).map { $0.map(\.doubleValue) }, accuracy: points("accuracy"), userCodeLines: userCodeLines(frontend),
               logs: child.curves["logs"] as? [String] ?? [], hookPlaces: child.curves["hook_places"] as? [String: [String]] ?? [:],
               curves: child.curves)
}

func table(_ runs: [Run]) -> [[String]] {
    [["frontend", "user code lines", "epochs", "train s", "samples/s", "test accuracy", "peak RSS MB", "weights CRC-32"]] + runs.map { run in
        [run.frontend, run.userCodeLines.map(String.init) ?? "n/a", String(Int(run.number("epochs"))),
         String(format: "%.2f", run.number("train_seconds")), String(format: "%.0f", run.number("samples_per_s")),
         String(format: "%.4f", run.number("test_acc")), String(format: "%.0f", run.number("peak_rss_mb")),
         String(format: "%08x", UInt32(run.number("weights_crc32")))]
    }
}

/// The PyTorch, Lightning and Ignite records for `model` in `path` (the JSON lines that
/// `../shared/reference/pytorch/mnist_torch.py` prints; `Benchmarks/compare_pytorch.sh` collects
/// them), as table rows with their speed against raw PyTorch and ours against it.
func referenceRows(_ path: String, model: String, ours: [Run]) throws -> [[String]] {
    let names = ["raw": "PyTorch", "lightning": "Lightning", "ignite": "Ignite"]
    let records = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }.filter { $0["model"] as? String == model && names[$0["frontend"] as? String ?? ""] != nil }
    func number(_ record: [String: Any], _ key: String) -> Double { (record[key] as? NSNumber)?.doubleValue ?? .nan }
    guard let raw = records.first(where: { $0["frontend"] as? String == "raw" }).map({ number($0, "train_seconds") }) else { return [] }
    let header = ["run", "train s", "test accuracy", "peak RSS MB", "speed against raw PyTorch"]
    func row(_ name: String, _ seconds: Double, _ accuracy: Double, _ memory: Double) -> [String] {
        [name, String(format: "%.2f", seconds), String(format: "%.4f", accuracy), String(format: "%.0f", memory),
         raw / seconds >= 1 ? String(format: "%.2fx faster", raw / seconds) : String(format: "%.2fx slower", seconds / raw)]
    }
    return [header] + records.map { record in
        row(names[record["frontend"] as! String]!, number(record, "train_seconds"), number(record, "test_acc"), number(record, "peak_rss_mb"))
    } + ours.map { row("ours: \($0.frontend)", $0.number("train_seconds"), $0.number("test_acc"), $0.number("peak_rss_mb")) }
}

/// The learning-rate range tests of the runs that made one (`--lr-find`): each plot and
/// suggestion, and whether the frontends agree.
func learningRateSection(_ runs: [Run]) -> String {
    let found = runs.compactMap { run in (run.curves["lr_find"] as? [String: Any]).map { (run.frontend, $0) } }
    guard !found.isEmpty else { return "" }
    let suggestions = found.map { ($0.1["suggestion"] as? NSNumber)?.floatValue }
    var html = "<h2>Learning-rate range test</h2><p>Run before training (<code>--lr-find</code>): an exponential sweep through the "
        + "shared optimization step; model, optimizer and random state are restored afterwards, so the weights above are unchanged. "
        + "Suggestions: " + zip(found, suggestions).map { "\($0.0.0) \($0.1.map { String(format: "%.3g", $0) } ?? "none")" }.joined(separator: ", ")
        + (found.count > 1 ? " (the same in every frontend: <b>\(Set(suggestions.map { $0?.bitPattern }).count == 1 ? "yes" : "no")</b>)" : "") + ".</p>"
    for (frontend, result) in found {
        html += "<figure style=\"display:inline-block;margin:4px\">\(result["svg"] as? String ?? "")<figcaption>\(frontend)</figcaption></figure>"
    }
    return html
}

func html(_ runs: [Run], options: RunOptions, identical: Bool, reference: [[String]]) -> String {
    let rows = table(runs)
    var page = htmlPageStart(title: "MNIST \(options.model.rawValue): core, Events, Structured")
    page += "<h1>MNIST \(options.model.rawValue): the raw core loop, Events and Structured</h1>"
    page += "<p>\(options.epochs) epoch(s), batch \(options.batchSize), seed \(options.seed). Final weights bit-identical across the three runs: <b>\(identical ? "yes" : "no")</b>.</p>"
    page += htmlTable(rows)
    page += "<p>Train seconds cover training only (no data loading or evaluation); user code lines count Examples/MNISTRuns/&lt;Frontend&gt;Run.swift, timing and curve recording included.</p>"
    if !reference.isEmpty {
        page += "<h2>Against the originals</h2><p>PyTorch, Lightning and Ignite on the same workload "
            + "(<code>../shared/reference/pytorch/mnist_torch.py</code>, run by <code>Benchmarks/compare_pytorch.sh</code> just before "
            + "this report, one run each on this machine), with our three runs of this report.</p>" + htmlTable(reference)
    }
    page += htmlLogLocations(runs.map { ($0.frontend, $0.logs) })
    page += chart("training loss", runs.map { ($0.frontend, $0.loss) }, xLabel: "step")
    page += overlappingCurvesNote(identical: identical)
    page += chart("milliseconds per training step", runs.map { ($0.frontend, $0.stepTimes) }, xLabel: "step")
    page += "<p>Time per step is averaged over the steps between two loss points, in each frontend where it records its loss "
        + "(data, step, handlers and hooks included; evaluation and checkpoint writing at epoch ends left out): the gap between the "
        + "lines is each frontend's overhead over the raw loop.</p>"
    page += chart("test accuracy", runs.map { ($0.frontend, $0.accuracy) }, xLabel: "epoch", fraction: true)
    if let run = runs.first(where: { !$0.confusion.isEmpty }) {
        page += heatMap("confusion matrix (\(run.frontend))", run.confusion, rowLabel: "true digit", columnLabel: "predicted digit")
        page += "<p>The last evaluation's confusion matrix: the \(run.frontend) evaluator's <code>ConfusionMatrix</code> metric keeps its "
            + "shape in <code>state.tables</code>, and its loggers write it as a table (CSV rows, a Markdown table in TensorBoard, "
            + "a CSV artifact in MLflow).</p>"
    }
    page += learningRateSection(runs)
    page += sideBySideCode(frontends.map { ($0, userCodeFile($0)) })
    page += hookTables(runs.first { $0.frontend == "structured" }?.hookPlaces ?? [:])
    return page + "</body></html>\n"
}

runCommandLineProgram("mnist-compare", usage: RunOptions.usage + "\n  --reference FILE  PyTorch, Lightning and Ignite records (JSON lines) to show beside ours") {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let referencePath = try takeOption("--reference", from: &arguments)
    let options = try RunOptions(parsing: arguments)
    try options.checkOutputPaths()
    guard options.devices == 1 else {
        throw UsageError("mnist-compare runs each frontend on one process (their weights are compared bit for bit); "
            + "run mnist-events or mnist-structured with --devices")
    }
    var forwarded = ["--model", options.model.rawValue, "--epochs", String(options.epochs), "--batch-size", String(options.batchSize),
                     "--seed", String(options.seed)]
    if let data = options.dataDirectory { forwarded += ["--data", data] }
    if let limit = options.limit { forwarded += ["--limit", String(limit)] }
    if options.findLearningRate { forwarded.append("--lr-find") }
    for logger in options.loggers { forwarded += ["--logger", logger.rawValue] }
    if !options.loggers.isEmpty { forwarded += ["--log-dir", options.logDirectory] }
    print("mnist-compare: \(options.model.rawValue), \(options.epochs) epoch(s), batch \(options.batchSize), seed \(options.seed)")
    let runs = try frontends.map { try train($0, forwarded) }
    print("")
    printTable(table(runs))
    let identical = Set(runs.map { Int($0.number("weights_crc32")) }).count == 1
    print("\nfinal weights bit-identical across the three runs: \(identical ? "yes" : "NO")")
    if let path = options.jsonPath {
        let lines = try runs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.record, options: [.sortedKeys]), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
    if let path = options.reportPath {
        let reference = try referencePath.map { try referenceRows($0, model: options.model.rawValue, ours: runs) } ?? []
        try Data(html(runs, options: options, identical: identical, reference: reference).utf8).write(to: URL(fileURLWithPath: path))
        print("report: \(path)")
    }
    if !identical { exit(2) }
}
