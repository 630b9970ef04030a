import Foundation

// The comparison report's side-by-side code: each frontend's user code cut at its
// `// MARK: <concept>` lines, aligned by concept, highlighted, with its lines counted.

/// The concepts in the order the report shows them; lines before a file's first mark are `setup`.
public let codeConcepts = ["setup", "model", "data", "step", "validation", "checkpointing", "early stopping", "logging", "tuning", "export",
                           "distributed", "run and record"]

/// A source file found from the working directory or from the running program's folder up
/// (the build folder sits inside the checkout); nil when the sources are not around.
public func exampleSource(_ relativePath: String) -> String? {
    let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
    var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relativePath)]
    for _ in 0..<4 {
        folder = folder.deletingLastPathComponent()
        candidates.append(folder.appendingPathComponent(relativePath))
    }
    return candidates.lazy.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.first
}

/// Whether a line is code: not blank, not only a comment.
func isCodeLine(_ line: Substring) -> Bool {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    return !trimmed.isEmpty && !trimmed.hasPrefix("//")
}

/// `source`'s lines by concept, in file order within each concept; the marks themselves dropped.
public func linesByConcept(_ source: String) -> [String: [Substring]] {
    var concept = "setup", result: [String: [Substring]] = [:]
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("// MARK: ") {
            concept = String(trimmed.dropFirst("// MARK: ".count))
            continue
        }
        result[concept, default: []].append(line)
    }
    return result.mapValues { lines in
        // Drop the blank lines at either end of each concept's code.
        Array(lines.drop { $0.allSatisfy(\.isWhitespace) }.reversed().drop { $0.allSatisfy(\.isWhitespace) }.reversed())
    }
}

/// The frontends' files side by side, one table row per concept with each side's code lines.
public func sideBySideCode(_ files: [(frontend: String, path: String)]) -> String {
    let sources = files.map { (frontend: $0.frontend, concepts: exampleSource($0.path).map(linesByConcept)) }
    guard sources.allSatisfy({ $0.concepts != nil }) else { return "<p>Side-by-side code: the sources are not around this build.</p>" }
    let known = Set(codeConcepts), extra = Set(sources.flatMap { $0.concepts!.keys }).subtracting(known).sorted()
    var html = "<h2>The user code, side by side</h2><p>Each frontend's training code (" + files.map { "<code>\($0.path)</code>" }.joined(separator: ", ")
        + ") cut at its <code>// MARK:</code> lines and aligned by concept; the counts are lines of code, without blanks and comments.</p>"
    html += "<table style=\"font-size:10px;table-layout:fixed;width:100%\"><tr><th style=\"width:8%\">concept</th>"
        + sources.map { "<th>\($0.frontend)</th>" }.joined() + "</tr>"
    var totals = [Int](repeating: 0, count: sources.count)
    for concept in codeConcepts + extra {
        let cells = sources.map { $0.concepts![concept] ?? [] }
        guard cells.contains(where: { !$0.isEmpty }) else { continue }
        let counts = cells.map { $0.filter(isCodeLine).count }
        for (index, count) in counts.enumerated() { totals[index] += count }
        html += "<tr><th style=\"vertical-align:top\">\(concept)<br>" + counts.map(String.init).joined(separator: " / ") + "</th>"
        html += cells.map { lines in
            "<td style=\"vertical-align:top;text-align:left\"><pre style=\"margin:0;white-space:pre-wrap;overflow-wrap:anywhere\">"
                + dedented(lines).map(highlighted).joined(separator: "\n") + "</pre></td>"
        }.joined()
        html += "</tr>"
    }
    return html + "<tr><th>total</th>" + totals.map { "<th>\($0) lines</th>" }.joined() + "</tr></table>"
}

/// `lines` without the indentation they all share (blank lines aside).
func dedented(_ lines: [Substring]) -> [Substring] {
    let indent = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
    return lines.map { $0.allSatisfy(\.isWhitespace) ? "" : $0.dropFirst(indent) }
}

private let swiftKeywords: Set<String> = ["let", "var", "func", "for", "in", "try", "return", "if", "guard", "else", "final", "class",
                                          "init", "self", "throws", "import", "public", "private", "defer", "switch", "case", "nil", "true",
                                          "false", "struct", "where", "some", "any", "static", "while"]

/// One line of Swift as HTML: comments grey, string literals green, keywords bold blue.
func highlighted(_ line: Substring) -> String {
    func escaped<S: StringProtocol>(_ text: S) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    var code = Substring(line), comment: Substring = ""
    if let range = line.range(of: "//"), line[..<range.lowerBound].filter({ $0 == "\"" }).count % 2 == 0 {
        code = line[..<range.lowerBound]
        comment = line[range.lowerBound...]
    }
    var html = "", word = "", inString = false
    func flushWord() {
        html += swiftKeywords.contains(word) && !inString ? "<b style=\"color:#0b4f9c\">\(word)</b>" : escaped(word)
        word = ""
    }
    for character in code {
        if character == "\"" {
            flushWord()
            html += inString ? "\"</span>" : "<span style=\"color:#17752b\">\""
            inString.toggle()
        } else if character.isLetter || character.isNumber || character == "_" {
            word.append(character)
        } else {
            flushWord()
            html += escaped(String(character))
        }
    }
    flushWord()
    if inString { html += "</span>" }
    return html + (comment.isEmpty ? "" : "<span style=\"color:#888\">\(escaped(comment))</span>")
}
