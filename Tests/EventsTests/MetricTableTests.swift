import Foundation
import Testing
import Events
import Metrics
import TensorCore
import TestSupport

/// Metric values with several elements keep their shape: `state.tables` holds a confusion
/// matrix as a matrix, and loggers write it as a table (CSV rows; a Markdown table by default).
@Suite struct MetricTableTests {
    /// Records what a logger is given, for the default Markdown path.
    final class TextRecorder: MetricsLogger {
        var texts: [(name: String, text: String, step: Int)] = []
        func log(_ values: [String: Float], step: Int) throws {}
        func logHyperparameters(_ values: [String: String]) throws {}
        func flush() throws {}
        func logText(_ name: String, text: String, step: Int) throws { texts.append((name, text, step)) }
    }

    @Test func aConfusionMatrixReachesTheLoggersAsATable() throws { try withRandomScope(seed: 3) {
        let model = makeClassifier()
        let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.05))
        let evaluator = supervisedEvaluator(model: model, metrics: ["confusion": ConfusionMatrix(task: .multiclass(classes: 3))])
        let data = DataLoader(syntheticData(count: 48), batchSize: 16)
        trainer.on(.epochCompleted) { _ in try evaluator.run(data) }
        let folder = try makeTemporaryFolder()
        let csv = try CSVLogger(root: folder, name: "run"), recorder = TextRecorder()
        csv.attachTables(of: evaluator, to: trainer)
        recorder.attachTables(of: evaluator, to: trainer)
        try trainer.run(data, maxEpochs: 2)

        let matrix = try #require(evaluator.state.tables["confusion"])
        #expect(matrix.shape == [3, 3] && matrix.scalars.reduce(0, +) == 48, "every example counted once, rows are true classes")
        #expect(evaluator.state.metrics.keys.allSatisfy { !$0.hasPrefix("confusion") }, "no flattened confusion[i] names")
        let written = try String(contentsOfFile: "\(csv.location)/tables/confusion-step6.csv", encoding: .utf8)
        let rows: [[Float]] = written.split(separator: "\n").map { line in line.split(separator: ",").compactMap { Float($0) } }
        let expected: [[Float]] = [0, 3, 6].map { start in Array(matrix.scalars[start..<(start + 3)]) }
        #expect(rows == expected)
        #expect(FileManager.default.fileExists(atPath: "\(csv.location)/tables/confusion-step3.csv"), "one file per epoch")
        #expect(recorder.texts.map(\.step) == [3, 6] && recorder.texts[0].name == "confusion")
        let lines = recorder.texts[1].text.split(separator: "\n")
        #expect(lines.count == 5 && lines[0] == "| | 0 | 1 | 2 |" && lines[1] == "|---|---|---|---|")
        #expect(lines[2].hasPrefix("| 0 | \(matrix.scalars[0]) | "))
    } }
}
