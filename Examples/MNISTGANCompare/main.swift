// `mnist-gan-compare`: the GAN trained by the raw core loop, the Events frontend and the
// Structured frontend, each in its own process with the same seed; one table, the check that
// the weights are bit-identical, the digit check, and an HTML report with the grids.
import Foundation
import MNISTGAN
import MNISTModels

let frontends = ["core", "events", "structured"]

struct GANRun {
    let frontend: String
    let record: [String: Any]
    let curve: [[Double]]
    func number(_ key: String) -> Double { (record[key] as? NSNumber)?.doubleValue ?? .nan }
}

/// Lines of code (not blank, not comments) of a frontend's GAN file, when the sources are around.
func userCodeLines(_ frontend: String) -> String {
    let file = "Examples/MNISTGAN/GAN\(frontend.prefix(1).uppercased() + frontend.dropFirst())Run.swift"
    guard let source = try? String(contentsOfFile: file, encoding: .utf8) else { return "n/a" }
    return String(source.split(separator: "\n").filter {
        let line = $0.trimmingCharacters(in: .whitespaces)
        return !line.isEmpty && !line.hasPrefix("//")
    }.count)
}

func embeddedPNG(_ path: String, caption: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { return "<p>\(caption): missing</p>" }
    return "<figure style=\"display:inline-block;margin:6px\"><img src=\"data:image/png;base64,\(data.base64EncodedString())\" width=\"242\">"
        + "<figcaption>\(caption)</figcaption></figure>"
}

func report(_ runs: [GANRun], identical: Bool, epochs: Int, check: [String: Any]?) -> String {
    var page = htmlPageStart(title: "MNIST GAN: core, Events, Structured")
    page += "<h1>MNIST GAN: the raw core loop, Events and Structured</h1>"
    page += "<p>Generator 100-256-512-1024-784 (LeakyReLU 0.2, batch norm, tanh), discriminator 784-512-256-1 (LeakyReLU 0.2), "
        + "Adam 2e-4 betas (0.5, 0.999), batch 64, \(epochs) epoch(s). Final weights of both networks bit-identical across the three runs: "
        + "<b>\(identical ? "yes" : "no")</b>.</p>"
    page += htmlTable(table(runs))
    if let check, let share = (check["confidentShare"] as? NSNumber)?.doubleValue {
        page += String(format: "<p>Digit check: the reference CNN (trained by the core loop with Adam; test accuracy %.4f; sure, above 0.9, "
            + "of %.1f%% of real test digits) judges 1,000 samples: %.1f%% get a class with confidence above 0.9 (the bar is 60%%), "
            + "per digit %@.</p>", (check["classifierAccuracy"] as? NSNumber)?.doubleValue ?? .nan,
            ((check["classifierConfidentOnReal"] as? NSNumber)?.doubleValue ?? .nan) * 100, share * 100, "\(check["confidentPerDigit"] ?? "")")
    }
    page += chart("discriminator loss", runs.map { ($0.frontend, $0.curve.map { ($0[0], $0[1]) }) }, xLabel: "step")
    page += chart("generator loss", runs.map { ($0.frontend, $0.curve.map { ($0[0], $0[2]) }) }, xLabel: "step")
    page += overlappingCurvesNote(identical: identical)
    page += "<h2>The same 64 noise vectors after each epoch (core)</h2>"
    page += (1...epochs).map { embeddedPNG((runs[0].record["grids"] as? [String] ?? [])[safe: $0 - 1] ?? "", caption: "epoch \($0)") }.joined()
    page += "<h2>The last grid of each frontend</h2>"
    page += runs.map { embeddedPNG(($0.record["grids"] as? [String])?.last ?? "", caption: $0.frontend) }.joined()
    return page + "</body></html>\n"
}

func table(_ runs: [GANRun]) -> [[String]] {
    [["frontend", "user code lines", "train s", "ms/step", "final d_loss", "final g_loss", "peak RSS MB", "weights CRC-32"]] + runs.map { run in
        [run.frontend, userCodeLines(run.frontend), String(format: "%.2f", run.number("train_seconds")), String(format: "%.2f", run.number("ms_per_step")),
         String(format: "%.4f", run.number("final_d_loss")), String(format: "%.4f", run.number("final_g_loss")),
         String(format: "%.0f", run.number("peak_rss_mb")), String(format: "%08x", UInt32(run.number("weights_crc32")))]
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

runCommandLineProgram("mnist-gan-compare", usage: GANOptions.usage + "\n      --report FILE.html") {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let reportPath = try takeOption("--report", from: &arguments)
    let options = try GANOptions(parsing: arguments)
    var forwarded = arguments
    _ = try takeOption("--json", from: &forwarded)
    var runs: [GANRun] = []
    for frontend in frontends {
        // One digit check suffices when the weights agree: it runs with the core run.
        var childArguments = forwarded
        _ = try takeOption("--frontend", from: &childArguments)
        if frontend != "core" { _ = try takeOption("--check-epochs", from: &childArguments) }
        childArguments += ["--frontend", frontend]
        let child = try runComparedChild("mnist-gan", childArguments)
        for line in child.output.split(separator: "\n") where line.hasPrefix("trained in") || line.hasPrefix("digit check") { print("  \(frontend): \(line)") }
        runs.append(GANRun(frontend: frontend, record: child.record, curve: child.curves["curve"] as? [[Double]] ?? []))
    }
    print("")
    printTable(table(runs))
    let identical = Set(runs.map { Int($0.number("weights_crc32")) }).count == 1
    print("\nfinal weights bit-identical across the three runs: \(identical ? "yes" : "NO")")
    let check = runs[0].record["check"] as? [String: Any]
    if let path = options.jsonPath {
        let lines = try runs.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.record, options: [.sortedKeys]), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
    if let reportPath {
        try Data(report(runs, identical: identical, epochs: options.epochs, check: check).utf8).write(to: URL(fileURLWithPath: reportPath))
        print("report: \(reportPath)")
    }
    if !identical { exit(2) }
}
