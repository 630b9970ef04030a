import TensorCore

/// The contents of an IDX file (the MNIST format, also Fashion-MNIST's): big-endian 32-bit
/// magic number and dimension sizes, then unsigned bytes in row-major order.
///
/// ```swift
/// let labels = try IDXFile(contentsOf: "t10k-labels-idx1-ubyte.gz", magic: 2049, itemDimensions: [])
/// print(labels.dimensions)   // [10000]
/// ```
public struct IDXFile {
    /// The header's dimensions: the item count first, then each item's shape.
    public let dimensions: [Int]
    /// The data bytes after the header.
    public let payload: ArraySlice<UInt8>

    /// Reads the IDX file at `path` (gzip-compressed or not), checking its header from the first
    /// inflated bytes and never inflating past the size the header declares.
    /// - Throws: ``DataError`` naming the file: unreadable, wrong magic or dimensions, truncated or too long.
    public init(contentsOf path: String, magic: UInt32, itemDimensions: [Int]) throws {
        let bytes = try readPossiblyCompressedFile(path) { prefix in
            try Self.declaredSize(of: prefix, file: path, magic: magic, itemDimensions: itemDimensions)
        }
        try self.init(bytes: bytes, file: path, magic: magic, itemDimensions: itemDimensions)
    }

    /// The total size (header and data) that the header at the start of `bytes` declares, or
    /// nil while `bytes` is shorter than the header.
    /// - Throws: ``DataError`` for a wrong magic number or dimensions.
    static func declaredSize(of bytes: [UInt8], file: String, magic: UInt32, itemDimensions: [Int]) throws -> Int? {
        let headerLength = 4 * (2 + itemDimensions.count)
        guard bytes.count >= 4 else { return nil }
        func word(_ index: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[4 * index + $1]) }
        }
        let found = word(0)
        guard found == magic else { throw DataError.wrongMagic(file: file, expected: magic, found: found) }
        guard bytes.count >= headerLength else { return nil }
        let dimensions = (1...(1 + itemDimensions.count)).map { Int(word($0)) }
        guard Array(dimensions.dropFirst()) == itemDimensions else {
            throw DataError.wrongDimensions(file: file, expected: [dimensions[0]] + itemDimensions, found: dimensions)
        }
        // Dimensions are 32-bit, so the product of three fits in Int; be explicit anyway.
        var size = headerLength
        var items = 1
        for dimension in dimensions {
            let (product, overflow) = items.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw DataError.wrongDimensions(file: file, expected: [dimensions[0]] + itemDimensions, found: dimensions) }
            items = product
        }
        size += items
        return size
    }

    /// Parses `bytes` read from `file`, checking the magic number, that the header's
    /// dimensions other than the first equal `itemDimensions`, and that the size is exact.
    init(bytes: [UInt8], file: String, magic: UInt32, itemDimensions: [Int]) throws {
        let headerLength = 4 * (2 + itemDimensions.count)
        guard let expected = try Self.declaredSize(of: bytes, file: file, magic: magic, itemDimensions: itemDimensions) else {
            throw DataError.truncated(file: file, expectedBytes: headerLength, actualBytes: bytes.count)
        }
        let dimensions = (1...(1 + itemDimensions.count)).map { index in
            Int((0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[4 * index + $1]) })
        }
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
