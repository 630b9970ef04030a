import Foundation
import TensorCore
import Datasets

/// Reference values computed outside Swift, stored as JSON beside the tests that use them.
///
/// Each fixture file maps a case name to named arrays with their shapes:
/// `{"case": {"x": {"shape": [2, 3], "data": [...]}, ...}}`.
public struct ReferenceFixture: Sendable {
    private let cases: [String: [String: Entry]]

    private struct Entry: Decodable, Sendable {
        let shape: [Int]
        let data: [Float]
    }

    /// Loads `name` from the `Fixtures` folder next to the calling test file.
    public init(named name: String, testFile: String = #filePath) throws {
        let url = URL(fileURLWithPath: testFile).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        cases = try JSONDecoder().decode([String: [String: Entry]].self, from: Data(contentsOf: url))
    }

    /// The names of all cases.
    public var caseNames: [String] { cases.keys.sorted() }

    /// Tensor `key` of case `name`.
    public func tensor(_ name: String, _ key: String) -> Tensor {
        guard let entry = cases[name]?[key] else { fatalError("fixture has no \(name).\(key)") }
        return Tensor(entry.data, shape: entry.shape)
    }
}

/// A fresh empty folder under the system's temporary directory.
public func makeTemporaryFolder(_ name: String = #function) throws -> String {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let path = NSTemporaryDirectory() + "swifttrain-\(safe)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The real MNIST folder the tests use (`MNIST_DIR`, `./data/mnist` or `../shared/data/mnist`),
/// or nil when none is present.
public var realMNISTFolder: String? { MNIST.locate() }
