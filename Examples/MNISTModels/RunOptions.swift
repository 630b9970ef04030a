import Foundation

/// The command-line contract shared by the MNIST programs:
/// `--model seed|mlp|cnn --epochs N --batch-size B --seed S --data DIR --json FILE --limit N`.
public struct RunOptions {
    public var model = ReferenceModel.mlp
    public var epochs = 1
    public var batchSize = 64
    public var seed: UInt64 = 0
    public var dataDirectory: String?
    public var jsonPath: String?
    /// Train on the first `limit` training images only (for quick checks); nil means all.
    public var limit: Int?
    /// Processes for data-parallel training (relaunched under `mpirun` when not started by it).
    /// `--batch-size` stays the global batch: each rank takes `batchSize / worldSize`.
    public var devices = 1
    /// Where to write the learning curves (JSON), for the comparison report.
    public var curvesPath: String?
    /// Where `mnist-compare` writes its HTML report.
    public var reportPath: String?

    public init() {}

    /// Parses `arguments` (without the program name); throws a message on a bad flag.
    public init(parsing arguments: [String]) throws {
        var remaining = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = remaining.popFirst() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func number<T: LosslessStringConvertible>(_ flag: String, minimum: T) throws -> T where T: Comparable {
            let text = try value(flag)
            guard let parsed = T(text), parsed >= minimum else { throw UsageError("\(flag) needs a number >= \(minimum), got \(text)") }
            return parsed
        }
        while let flag = remaining.popFirst() {
            switch flag {
            case "--model":
                let name = try value(flag)
                guard let model = ReferenceModel(rawValue: name) else { throw UsageError("unknown model \(name); use seed, mlp or cnn") }
                self.model = model
            case "--epochs": epochs = try number(flag, minimum: 1)
            case "--batch-size": batchSize = try number(flag, minimum: 1)
            case "--seed": seed = try number(flag, minimum: 0)
            case "--data": dataDirectory = try value(flag)
            case "--json": jsonPath = try value(flag)
            case "--limit": limit = try number(flag, minimum: 1)
            case "--devices": devices = try number(flag, minimum: 1)
            case "--curves": curvesPath = try value(flag)
            case "--report": reportPath = try value(flag)
            case "--help", "-h": throw UsageError(Self.usage)
            default: throw UsageError("unknown option \(flag)\n\(Self.usage)")
            }
        }
    }

    public static let usage = "options: --model seed|mlp|cnn (mlp) --epochs N (1) --batch-size B (64) --seed S (0) --data DIR --json FILE --limit N --devices N (1)"
}

/// A command-line mistake, printed as is.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
