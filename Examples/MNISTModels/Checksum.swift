import TensorCore

/// CRC-32 (IEEE) of the network's parameters, as little-endian Float32 bytes in parameter
/// order: equal checksums mean bit-identical weights.
public func weightsChecksum(_ network: any Module) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for parameter in network.parameters {
        for value in parameter.scalars {
            var bits = value.bitPattern.littleEndian
            for _ in 0..<4 {
                crc ^= bits & 0xFF
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
                bits >>= 8
            }
        }
    }
    return ~crc
}
