/// A protocol-buffer message being encoded: fields appended in order, in the wire format that
/// every protobuf reader accepts. Just what the TensorBoard event files and ONNX models need
/// (varints, 64-bit doubles, 32-bit floats, length-delimited bytes and messages, packed doubles).
///
/// ```swift
/// var event = ProtobufMessage()
/// event.appendDouble(1, 1_700_000_000)   // wall_time
/// event.appendVarint(2, 5)               // step
/// let bytes = event.bytes
/// ```
public struct ProtobufMessage: Sendable {
    /// The encoded fields so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    private mutating func appendRawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func appendKey(_ field: Int, wireType: UInt64) {
        appendRawVarint(UInt64(field) << 3 | wireType)
    }

    /// An integer field (int32, int64, enum, bool) as a varint; negative values take ten bytes,
    /// as protobuf's two's-complement rule says.
    public mutating func appendVarint(_ field: Int, _ value: Int64) {
        appendKey(field, wireType: 0)
        appendRawVarint(UInt64(bitPattern: value))
    }

    /// A `double` field.
    public mutating func appendDouble(_ field: Int, _ value: Double) {
        appendKey(field, wireType: 1)
        bytes += littleEndianBytes(value.bitPattern, count: 8)
    }

    /// A `float` field.
    public mutating func appendFloat(_ field: Int, _ value: Float) {
        appendKey(field, wireType: 5)
        bytes += littleEndianBytes(UInt64(value.bitPattern), count: 4)
    }

    /// A `bytes` field.
    public mutating func appendBytes(_ field: Int, _ value: [UInt8]) {
        appendKey(field, wireType: 2)
        appendRawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8 encoded.
    public mutating func appendString(_ field: Int, _ value: String) {
        appendBytes(field, Array(value.utf8))
    }

    /// A nested message field.
    public mutating func appendMessage(_ field: Int, _ message: ProtobufMessage) {
        appendBytes(field, message.bytes)
    }

    /// A repeated `double` field, packed.
    public mutating func appendPackedDoubles(_ field: Int, _ values: [Double]) {
        var packed: [UInt8] = []
        packed.reserveCapacity(8 * values.count)
        for value in values { packed += littleEndianBytes(value.bitPattern, count: 8) }
        appendBytes(field, packed)
    }

    /// A repeated `int64` field, packed.
    public mutating func appendPackedVarints(_ field: Int, _ values: [Int64]) {
        var packed = ProtobufMessage()
        for value in values { packed.appendRawVarint(UInt64(bitPattern: value)) }
        appendBytes(field, packed.bytes)
    }
}

/// The low `count` bytes of `value`, least significant first (protobuf's and TFRecord's order).
public func littleEndianBytes(_ value: UInt64, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
