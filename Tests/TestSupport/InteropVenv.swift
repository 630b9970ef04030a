import Foundation

/// The Python venv with the real tools (TensorBoard, onnxruntime, MLflow) that the interop tests
/// check our files against: `SWIFTTRAIN_VENV`, which `Scripts/test.sh` sets after creating it
/// outside the checkout. Tests that need it are skipped, with that message, when it is not given.
public enum InteropVenv {
    /// The venv folder, when given and holding a Python.
    public static let path: String? = {
        guard let path = ProcessInfo.processInfo.environment["SWIFTTRAIN_VENV"],
              FileManager.default.isExecutableFile(atPath: "\(path)/bin/python") else { return nil }
        return path
    }()

    /// Why a test needing the venv is skipped.
    public static let skipMessage = "needs SWIFTTRAIN_VENV (a venv with tensorboard, onnx, onnxruntime, mlflow; Scripts/test.sh makes one)"

    /// Runs `script` (beside the calling test file, or an absolute path) with the venv's Python
    /// and `arguments`; returns its standard output, or throws with its standard error.
    public static func run(_ script: String, _ arguments: [String], testFile: String = #filePath) throws -> String {
        guard let path else { throw InteropError(message: skipMessage) }
        let scriptPath = script.hasPrefix("/") ? script
            : URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent(script).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(path)/bin/python")
        process.arguments = [scriptPath] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let (outData, errData) = collectOutputs(of: process, out: out, err: err)
        guard process.terminationStatus == 0 else {
            throw InteropError(message: "\(script) failed (\(process.terminationStatus)): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// A failed run of an interop script.
    public struct InteropError: Error, CustomStringConvertible {
        /// What went wrong.
        public let message: String
        /// An error saying `message`.
        public init(message: String) { self.message = message }
        /// The message.
        public var description: String { message }
    }
}
