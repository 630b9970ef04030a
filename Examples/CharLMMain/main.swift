import CharLM
import Foundation
import MNISTModels
import TensorCore

// char-lm: trains the character-level GPT under one frontend, prints the validation loss, the
// speed and a generated sample, and appends a JSON record with --json.
runCharProgram("char-lm") {
    let options = try CharOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    for (flag, path) in [("--json", options.jsonPath), ("--curves", options.curvesPath), ("--export-onnx", options.onnxPath)] {
        if let path { try checkWritableFolder(of: path, flag: flag) }
    }
    let result = try runCharLM(options) { print("char-lm: \($0)") }
    let r = result.record
    print(String(format: "%@: %d steps in %.1f s (%.1f ms/step), val_loss %.4f, %d params, peak RSS %.0f MB, weights CRC %08x",
                 r.frontend, r.steps, r.trainSeconds, r.millisecondsPerStep, r.validationLoss, r.parameters, r.peakResidentMegabytes, r.weightsCRC32))
    if !result.sample.isEmpty { print("sample:\n\(result.sample)") }
    for location in result.logLocations { print("logs: \(location)") }
    if let path = options.jsonPath { try appendLine(r.jsonLine, to: path) }
    if let path = options.curvesPath {
        let curve: [String: Any] = ["loss": result.lossCurve.map { [$0.step, Double($0.loss)] }, "sample": result.sample,
                                    "logs": result.logLocations]
        try JSONSerialization.data(withJSONObject: curve).write(to: URL(fileURLWithPath: path))
    }
}
