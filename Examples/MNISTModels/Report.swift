import Distributed
import Foundation
import TensorCore

// Pieces of the side-by-side comparison programs (mnist-compare, char-lm-compare): reading a
// child's output, a text table, and an SVG line chart for the HTML report.

/// Collects a pipe's output on a background thread.
public final class OutputReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    /// Starts reading `handle` until its writer closes it.
    public init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }.start()
    }

    /// Everything the pipe delivered, once its writer closed it.
    public func wait() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Prints `rows` as a text table: the first row is the header, then a rule.
public func printTable(_ rows: [[String]]) {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
    for (index, row) in rows.enumerated() {
        print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        if index == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
}

/// An SVG line chart of one curve per run.
public func chart(_ title: String, _ series: [(String, [(Double, Double)])], xLabel: String, fraction: Bool = false) -> String {
    let colors = ["#1f77b4", "#d62728", "#2ca02c"], dashes = ["", "6,4", "2,3"]
    let width = 520.0, height = 300.0, left = 55.0, right = 15.0, top = 30.0, bottom = 40.0
    let all = series.flatMap(\.1)
    guard let minX = all.map(\.0).min(), let maxX = all.map(\.0).max(), var minY = all.map(\.1).min(), var maxY = all.map(\.1).max() else {
        return "<p>\(title): no data</p>"
    }
    let margin = max((maxY - minY) * 0.05, fraction ? 0.005 : 0.05)
    (minY, maxY) = (minY - margin, maxY + margin)
    if fraction { (minY, maxY) = (max(minY, 0), min(maxY, 1)) }
    func x(_ v: Double) -> Double { left + (maxX == minX ? 0.5 : (v - minX) / (maxX - minX)) * (width - left - right) }
    func y(_ v: Double) -> Double { height - bottom - (v - minY) / (maxY - minY) * (height - top - bottom) }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
    svg += "<text x=\"\(width / 2)\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(title)</text>"
    svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"#444\"/>"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#444\"/>"
    for i in 0...4 {
        let v = minY + (maxY - minY) * Double(i) / 4
        svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>"
    }
    // X ticks: every point when there are few distinct ones (epochs), else five even ticks.
    let distinct = Set(all.map(\.0)).sorted()
    let ticks = distinct.count <= 10 ? distinct : (0...4).map { minX + (maxX - minX) * Double($0) / 4 }
    for u in ticks {
        svg += "<text x=\"\(x(u))\" y=\"\(height - bottom + 15)\" text-anchor=\"middle\">\(String(format: "%.0f", u))</text>"
    }
    svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">\(xLabel)</text>"
    for (index, (name, points)) in series.enumerated() {
        let path = points.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"\(colors[index % 3])\" stroke-width=\"1.6\" stroke-dasharray=\"\(dashes[index % 3])\" points=\"\(path)\"/>"
        if points.count == 1 { svg += "<circle cx=\"\(x(points[0].0))\" cy=\"\(y(points[0].1))\" r=\"3\" fill=\"\(colors[index % 3])\"/>" }
        svg += "<text x=\"\(width - right - 90)\" y=\"\(top + 14 * Double(index + 1))\" fill=\"\(colors[index % 3])\">\(name)</text>"
    }
    return svg + "</svg>"
}


/// One child run of a comparison: its printed output, its JSON record and its curves file.
public struct ChildRun {
    /// Everything the child printed.
    public let output: String
    /// The record it wrote with `--json`.
    public let record: [String: Any]
    /// The curves it wrote with `--curves`.
    public let curves: [String: Any]
}

/// Runs the sibling program `program` with `arguments` plus `--json` and `--curves` files in a
/// temporary folder, forwarding Ctrl-C and SIGTERM to it, and reads what it wrote.
/// - Throws: ``UsageError`` with the child's output when it fails.
public func runComparedChild(_ program: String, _ arguments: [String]) throws -> ChildRun {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(program)-\(getpid())-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let json = folder.appendingPathComponent("record.json").path, curves = folder.appendingPathComponent("curves.json").path
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent(program)
    process.arguments = arguments + ["--json", json, "--curves", curves]
    let output = Pipe()
    process.standardOutput = output
    // Read the child's output on another thread while it runs.
    let reader = OutputReader(output.fileHandleForReading)
    let status = try ChildProcess.run(process)
    let text = reader.wait()
    guard status == 0 else { throw UsageError("\(program) \(arguments.joined(separator: " ")) failed with status \(status):\n\(text)") }
    func object(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }
    return ChildRun(output: text, record: try object(json), curves: try object(curves))
}

/// Runs `body`; `--help` prints `usage` and exits 0, an error prints as one line,
/// `name: reason`, and exits 1.
public func runCommandLineProgram(_ name: String, usage: String, _ body: () throws -> Void) {
    do {
        try body()
    } catch is HelpRequested {
        print("usage: \(name) [options]\n\(usage)")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(name): \(readableReason(error))\n".utf8))
        exit(1)
    }
}

/// What a reader sees on a loss chart of three bit-identical runs: one line, the others under it.
public func overlappingCurvesNote(identical: Bool) -> String {
    identical ? "<p><i>Only one loss curve shows: the three runs' weights are bit-identical at every step, so their curves "
        + "lie exactly on top of each other.</i></p>" : ""
}

/// A matrix as an SVG heat map (darker is more), with its counts written in the cells: a
/// confusion matrix with true classes as rows.
public func heatMap(_ title: String, _ rows: [[Double]], rowLabel: String, columnLabel: String) -> String {
    guard let largest = rows.flatMap({ $0 }).max(), largest > 0 else { return "" }
    let cell = 30.0, left = 40.0, top = 40.0, count = Double(rows.count), columns = Double(rows.first?.count ?? 0)
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + cell * columns + 10))\" height=\"\(Int(top + cell * count + 30))\" "
        + "font-family=\"sans-serif\" font-size=\"10\"><text x=\"\(left)\" y=\"14\" font-size=\"12\">\(title)</text>"
        + "<text x=\"\(left)\" y=\"30\">\(columnLabel) →</text><text x=\"4\" y=\"\(top + cell * count + 20)\">↑ \(rowLabel)</text>"
    for (r, row) in rows.enumerated() {
        svg += "<text x=\"\(left - 14)\" y=\"\(top + cell * Double(r) + 19)\">\(r)</text>"
        for (c, value) in row.enumerated() {
            let shade = Int(255 - 200 * (value / largest).squareRoot()), x = left + cell * Double(c), y = top + cell * Double(r)
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#fff\"/>"
                + "<text x=\"\(x + 3)\" y=\"\(y + 19)\" fill=\"\(shade < 140 ? "#fff" : "#000")\">\(Int(value))</text>"
        }
    }
    return svg + "</svg>"
}

/// The start of a comparison report: the document head with its style, up to `<body>`.
public func htmlPageStart(title: String) -> String {
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title>"
        + "<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto}table{border-collapse:collapse}"
        + "td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}th{background:#eee}pre{background:#f6f6f6;padding:8px}</style></head><body>"
}

/// `rows` as an HTML table, the first row as its header.
public func htmlTable(_ rows: [[String]]) -> String {
    "<table><tr>" + rows[0].map { "<th>\($0)</th>" }.joined() + "</tr>"
        + rows.dropFirst().map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined() + "</table>"
}

/// A paragraph naming where each run's loggers wrote, or nothing when no run logged.
public func htmlLogLocations(_ runs: [(frontend: String, logs: [String])]) -> String {
    let logged = runs.filter { !$0.logs.isEmpty }
    guard !logged.isEmpty else { return "" }
    return "<p>Logs: " + logged.map { run in
        "\(run.frontend): " + run.logs.map { "<code>\($0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;"))</code>" }.joined(separator: ", ")
    }.joined(separator: "; ") + "</p>"
}
