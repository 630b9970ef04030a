import Foundation

/// Named tensors and string metadata in the safetensors format, the format PyTorch, JAX and
/// Hugging Face use for weights: an 8-byte little-endian header length, a JSON header giving each
/// tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// Files written here are F32 and load with Python's `safetensors` (and `torch`); files read
/// may hold F32, F64, F16, BF16, I64 or I32 tensors, converted to Float32.
///
/// ```swift
/// try SafeTensorsFile(tensors: model.namedState).write(to: "model.safetensors")
/// let loaded = try SafeTensorsFile(contentsOf: "model.safetensors")
/// ```
public struct SafeTensorsFile {
    /// The tensors, in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// Free-form string metadata (the header's `__metadata__`).
    public var metadata: [String: String]

    /// A file with `tensors` in this order and `metadata`.
    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor named `name`, if present.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    // MARK: Writing

    /// The file's bytes.
    public func serialized() -> [UInt8] {
        var header = "{"
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header += "\"__metadata__\":{\(entries.joined(separator: ","))},"
        }
        var offset = 0
        header += tensors.map { name, tensor in
            let end = offset + tensor.scalarCount * 4
            defer { offset = end }
            return "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
        }.joined(separator: ",")
        header += "}"
        // The data must start on an 8-byte boundary: pad the header with spaces.
        while (header.utf8.count + 8) % 8 != 0 { header += " " }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.utf8.count + offset)
        let length = UInt64(header.utf8.count)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        bytes.append(contentsOf: header.utf8)
        for (_, tensor) in tensors {
            for value in tensor.scalars {
                let bits = value.bitPattern
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        return bytes
    }

    /// Writes the file atomically (see ``writeAtomically(_:to:)``).
    public func write(to path: String) throws {
        try writeAtomically(serialized(), to: path)
    }

    // MARK: Reading

    /// Reads and validates the file at `path`.
    /// - Throws: ``CheckpointError`` when the file cannot be read or is not valid safetensors.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        try self.init(bytes: [UInt8](data), path: path)
    }

    /// Parses and validates `bytes` (read from `path`, which only names the file in errors).
    ///
    /// The checks are the reference reader's: a header of at most 100 MB that is a JSON object,
    /// known dtypes, shapes whose sizes do not overflow, and data ranges that tile the data
    /// exactly, in order, with no overlap, alias, gap or trailing bytes.
    public init(bytes: [UInt8], path: String = "<memory>") throws {
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw corrupt("\(bytes.count) bytes, too short for a header") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= Self.maximumHeaderBytes else { throw corrupt("header of \(headerLength) bytes exceeds the 100 MB limit") }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw corrupt("header of \(headerLength) bytes does not fit in a \(bytes.count)-byte file (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw corrupt("header is not a JSON object")
        }
        let dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else { throw corrupt("__metadata__ is not a map of strings") }
                metadata = map
            } else {
                entries.append(try Self.entry(name, value, dataLength: dataLength, corrupt: corrupt))
            }
        }
        // File order (by data offset), so a model's order survives a round trip; the ranges must
        // follow each other with no overlap or gap and end with the data.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for entry in entries {
            guard entry.begin == position else {
                throw corrupt(entry.begin < position
                    ? "entry \(entry.name) at bytes \(entry.begin)..<\(entry.end) overlaps the previous entry (ending at \(position))"
                    : "bytes \(position)..<\(entry.begin) before entry \(entry.name) belong to no entry")
            }
            position = entry.end
        }
        guard position == dataLength else { throw corrupt("the last \(dataLength - position) data bytes belong to no entry") }
        self.tensors = entries.map { entry in
            let values = Self.decode(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)], dtype: entry.dtype,
                                     count: entry.shape.reduce(1, *))
            return (entry.name, Tensor(values, shape: entry.shape))
        }
        self.metadata = metadata
    }

    /// One tensor's header entry, checked: known dtype, no negative dimension, a size that does
    /// not overflow, and a data range inside the data that holds exactly that size.
    private typealias Entry = (name: String, dtype: String, shape: [Int], begin: Int, end: Int)

    private static func entry(_ name: String, _ value: Any, dataLength: Int, corrupt: (String) -> CheckpointError) throws -> Entry {
        guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
              let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
            throw corrupt("entry \(name) lacks dtype, shape or data_offsets")
        }
        guard let width = elementWidths[dtype] else { throw CheckpointError.unsupportedType(name: name, dtype: dtype) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw corrupt("entry \(name) has a negative dimension in \(shape)") }
        var byteCount = width
        for dimension in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw corrupt("entry \(name) of shape \(shape) has more elements than memory can hold") }
            byteCount = product
        }
        guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
            throw corrupt("entry \(name) has data range \(offsets) outside the \(dataLength) data bytes (truncated?)")
        }
        guard offsets[1] - offsets[0] == byteCount else {
            throw corrupt("entry \(name) of shape \(shape) and dtype \(dtype) needs \(byteCount) bytes, has \(offsets[1] - offsets[0])")
        }
        return (name, dtype, shape, offsets[0], offsets[1])
    }

    /// The reference reader's limit on the JSON header.
    static let maximumHeaderBytes: UInt64 = 100_000_000

    private static let elementWidths = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4]

    private static func decode(_ bytes: ArraySlice<UInt8>, dtype: String, count: Int) -> [Float] {
        let base = bytes.startIndex
        func word<T: FixedWidthInteger>(_ index: Int, as: T.Type) -> T {
            let width = MemoryLayout<T>.size
            return (0..<width).reduce(T(0)) { $0 | T(bytes[base + index * width + $1]) << (8 * $1) }
        }
        return (0..<count).map { i in
            switch dtype {
            case "F32": Float(bitPattern: word(i, as: UInt32.self))
            case "F64": Float(Double(bitPattern: word(i, as: UInt64.self)))
            case "F16": Float(Float16(bitPattern: word(i, as: UInt16.self)))
            case "BF16": Float(bitPattern: UInt32(word(i, as: UInt16.self)) << 16)
            case "I64": Float(Int64(bitPattern: word(i, as: UInt64.self)))
            default: Float(Int32(bitPattern: word(i, as: UInt32.self)))
            }
        }
    }
}

private func jsonString(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\r": escaped += "\\r"
        case "\t": escaped += "\\t"
        case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped + "\""
}

// MARK: - Model state

extension Module {
    /// Saves the parameters and buffers (``namedState``) as a safetensors file, atomically.
    ///
    /// ```swift
    /// try model.saveState(to: "mlp.safetensors")
    /// ```
    public func saveState(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensorsFile(tensors: namedState, metadata: metadata).write(to: path)
    }

    /// Loads parameters and buffers saved by ``saveState(to:metadata:)`` (or by Python's
    /// `safetensors.torch.save_file(model.state_dict(), ...)` for a model with the same names).
    ///
    /// Every name and shape is checked before anything is assigned: on an error the model is
    /// unchanged.
    /// - Throws: ``CheckpointError`` naming the first missing, unexpected or mis-shaped entry.
    public func loadState(from path: String) throws {
        try loadState(SafeTensorsFile(contentsOf: path).tensors)
    }

    /// Loads named tensors into the parameters and buffers with the same names; see
    /// ``loadState(from:)``.
    public func loadState(_ entries: [(name: String, tensor: Tensor)]) throws {
        try validateState(entries)
        let available = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, tensor) in namedState { tensor.assign(available[name]!) }
    }

    /// Throws the first problem, in the model's own order, that would stop `entries` from
    /// loading: an entry the model lacks, a missing entry, or a different shape.
    public func validateState(_ entries: [(name: String, tensor: Tensor)]) throws {
        let targets = namedState
        let available = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let expected = Set(targets.map(\.name))
        if let extra = entries.first(where: { !expected.contains($0.name) }) {
            throw CheckpointError.unexpectedEntry(name: extra.name)
        }
        for (name, tensor) in targets {
            guard let source = available[name] else { throw CheckpointError.missingEntry(name: name) }
            guard source.shape == tensor.shape else {
                throw CheckpointError.shapeMismatch(name: name, expected: tensor.shape, found: source.shape)
            }
        }
    }
}
