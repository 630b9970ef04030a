/// Problems with a checkpoint: reading, writing or fitting it to a model.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read or written.
    case io(path: String, reason: String)
    /// The file is not a valid safetensors file.
    case corrupt(path: String, reason: String)
    /// The model or optimizer expects an entry the checkpoint lacks.
    case missingEntry(name: String)
    /// The checkpoint holds an entry the model does not have.
    case unexpectedEntry(name: String)
    /// An entry's shape differs from the model's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// An entry's data type is not supported (only F32 is).
    case unsupportedType(name: String, dtype: String)
    /// A state component was written with another layout version.
    case incompatibleComponent(name: String, found: Int, expected: Int)
    /// A state component does not decode.
    case malformedComponent(name: String, reason: String)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .io(path, reason): "checkpoint \(path): \(reason)"
        case let .corrupt(path, reason): "checkpoint \(path) is corrupt: \(reason)"
        case let .missingEntry(name): "checkpoint has no entry \(name), which the model needs (a checkpoint from another model?)"
        case let .unexpectedEntry(name): "checkpoint entry \(name) matches nothing in the model (a checkpoint from another model?)"
        case let .shapeMismatch(name, expected, found): "checkpoint entry \(name) has shape \(found), the model needs \(expected)"
        case let .unsupportedType(name, dtype): "checkpoint entry \(name) has dtype \(dtype); only F32 is supported"
        case let .incompatibleComponent(name, found, expected):
            "checkpoint state \"\(name)\" has layout version \(found), this version reads \(expected); resume with the version that wrote it"
        case let .malformedComponent(name, reason): "checkpoint state \"\(name)\" is malformed: \(reason)"
        }
    }
}
