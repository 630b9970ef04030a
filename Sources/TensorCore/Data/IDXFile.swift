/// The contents of an IDX file (the MNIST format): big-endian 32-bit magic number and dimension
/// sizes, then unsigned bytes in row-major order.
struct IDXFile {
    let dimensions: [Int]
    let payload: ArraySlice<UInt8>

    /// Parses `bytes` read from `file`, checking the magic number, that the header's
    /// dimensions other than the first equal `itemDimensions`, and that the size is exact.
    init(bytes: [UInt8], file: String, magic: UInt32, itemDimensions: [Int]) throws {
        let headerLength = 4 * (2 + itemDimensions.count)
        guard bytes.count >= 8 else {
            throw DataError.truncated(file: file, expectedBytes: headerLength, actualBytes: bytes.count)
        }
        func word(_ index: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[4 * index + $1]) }
        }
        let found = word(0)
        guard found == magic else { throw DataError.wrongMagic(file: file, expected: magic, found: found) }
        guard bytes.count >= headerLength else {
            throw DataError.truncated(file: file, expectedBytes: headerLength, actualBytes: bytes.count)
        }
        let dimensions = (1...(1 + itemDimensions.count)).map { Int(word($0)) }
        guard Array(dimensions.dropFirst()) == itemDimensions else {
            throw DataError.wrongDimensions(file: file, expected: [dimensions[0]] + itemDimensions, found: dimensions)
        }
        let expected = headerLength + dimensions.reduce(1, *)
        if bytes.count < expected {
            throw DataError.truncated(file: file, expectedBytes: expected, actualBytes: bytes.count)
        }
        if bytes.count > expected {
            throw DataError.trailingBytes(file: file, expectedBytes: expected, actualBytes: bytes.count)
        }
        self.dimensions = dimensions
        self.payload = bytes[headerLength...]
    }
}
