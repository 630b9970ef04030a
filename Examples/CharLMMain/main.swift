import CharLM
import Foundation
import MNISTModels
import TensorCore

// char-lm: trains the character-level GPT under one frontend, prints the validation loss, the
// speed and a generated sample, and appends a JSON record with --json.
runCharProgram("char-lm") {
    let options = try CharOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    if let path = options.jsonPath { try checkWritableFolder(of: path, flag: "--json") }
    let result = try runCharLM(options) { print("char-lm: \($0)") }
    let r = result.record
    print(String(format: "%@: %d steps in %.1f s (%.1f ms/step), val_loss %.4f, %d params, peak RSS %.0f MB, weights CRC %08x",
                 r.frontend, r.steps, r.trainSeconds, r.millisecondsPerStep, r.validationLoss, r.parameters, r.peakResidentMegabytes, r.weightsCRC32))
    if !result.sample.isEmpty { print("sample:\n\(result.sample)") }
    if let path = options.jsonPath { try appendLine(r.jsonLine, to: path) }
}
