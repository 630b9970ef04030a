import TensorCore

/// Grey images and their class labels from a pair of IDX files (the MNIST format, which
/// Fashion-MNIST, KMNIST and EMNIST share), gzip-compressed or not, with the data set's own
/// normalization.
///
/// Images stay bytes in memory and are normalized per batch through a 256-entry table, as
/// ``MNISTDataset`` does; this type reads any image size and class count.
///
/// ```swift
/// let train = try IDXImageDataset(imagesAt: "fashion/train-images-idx3-ubyte.gz",
///                                 labelsAt: "fashion/train-labels-idx1-ubyte.gz", normalization: .fashionMNIST)
/// let loader = DataLoader(train, batchSize: 64, shuffle: true, seed: 0)   // inputs [64, 1, 28, 28]
/// ```
public struct IDXImageDataset: Dataset, Sendable {
    /// Pixels, `count × height × width` bytes.
    public let pixels: [UInt8]
    /// One class index per image.
    public let labels: [UInt8]
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// The number of classes; every label is below it.
    public let classes: Int
    /// How bytes become inputs.
    public let normalization: PixelNormalization
    private let table: [Float]

    /// Reads images (magic 2051) and labels (magic 2049) from IDX files.
    ///
    /// Without `normalization`, the statistics are measured on these images: pass the training
    /// set's to the test set so both are normalized alike.
    /// - Throws: ``DataError`` naming the file: unreadable, wrong magic, truncated, counts that
    ///   differ, or a label outside `0..<classes`.
    public init(imagesAt imagesPath: String, labelsAt labelsPath: String, classes: Int = 10,
                normalization: PixelNormalization? = nil) throws {
        let imageBytes = try readPossiblyCompressedFile(imagesPath) { try Self.declaredSize(of: $0, file: imagesPath, magic: 2051) }
        let labelBytes = try readPossiblyCompressedFile(labelsPath) { try Self.declaredSize(of: $0, file: labelsPath, magic: 2049) }
        guard imageBytes.count >= 16 else { throw DataError.truncated(file: imagesPath, expectedBytes: 16, actualBytes: imageBytes.count) }
        let side = { (index: Int) in (0..<4).reduce(0) { $0 << 8 | Int(imageBytes[4 * index + $1]) } }
        let images = try IDXFile(bytes: imageBytes, file: imagesPath, magic: 2051, itemDimensions: [side(2), side(3)])
        let labelFile = try IDXFile(bytes: labelBytes, file: labelsPath, magic: 2049, itemDimensions: [])
        guard images.dimensions[0] == labelFile.dimensions[0] else {
            throw DataError.countMismatch(images: imagesPath, imageCount: images.dimensions[0], labels: labelsPath, labelCount: labelFile.dimensions[0])
        }
        if let bad = labelFile.payload.firstIndex(where: { Int($0) >= classes }) {
            throw DataError.invalidLabel(file: labelsPath, index: bad - labelFile.payload.startIndex, value: Int(labelFile.payload[bad]))
        }
        pixels = Array(images.payload)
        labels = Array(labelFile.payload)
        (height, width) = (images.dimensions[1], images.dimensions[2])
        self.classes = classes
        self.normalization = normalization ?? .measured(on: pixels)
        table = self.normalization.table
    }

    /// The number of images.
    public var count: Int { labels.count }

    /// Images `[batch, 1, height, width]`, normalized, and their labels `[batch]`.
    public func batch(at indices: [Int]) -> LabeledBatch {
        let inputs = Tensor.gathering(rows: indices, of: pixels, rowLength: height * width, through: table,
                                      shape: [indices.count, 1, height, width])
        return LabeledBatch(inputs: inputs, labels: Tensor(indices.map { Float(labels[$0]) }, shape: [indices.count]))
    }

    /// The size an IDX file declares in its header (any item dimensions), once the header is in.
    private static func declaredSize(of bytes: [UInt8], file: String, magic: UInt32) throws -> Int? {
        let rank = Int(magic & 0xFF)
        guard bytes.count >= 4 * (1 + rank) else { return nil }
        let dimensions = (0..<rank).map { index in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 * (index + 1) + $1]) } }
        return try IDXFile.declaredSize(of: bytes, file: file, magic: magic, itemDimensions: Array(dimensions.dropFirst()))
    }
}
