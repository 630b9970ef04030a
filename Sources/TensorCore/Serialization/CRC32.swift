/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), table-driven and incremental.
///
/// ```swift
/// var crc = CRC32()
/// crc.update(Array("123456789".utf8))
/// crc.value   // 0xCBF43926
/// ```
public struct CRC32: Sendable {
    private static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        return c
    }
    private var state: UInt32 = 0xFFFF_FFFF

    /// An empty checksum.
    public init() {}

    /// Adds `bytes`.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { state = Self.table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
    }

    /// Adds the little-endian bytes of `values`' bit patterns (how checkpoints store Float32).
    public mutating func update(floats values: [Float]) {
        for value in values {
            let bits = value.bitPattern
            for shift in stride(from: 0, to: 32, by: 8) { update(CollectionOfOne(UInt8(truncatingIfNeeded: bits >> UInt32(shift)))) }
        }
    }

    /// The checksum of everything added so far.
    public var value: UInt32 { ~state }
}
