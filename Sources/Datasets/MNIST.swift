import TensorCore
import Foundation

/// The MNIST handwritten digits: 60,000 training and 10,000 test images of 28×28 grey pixels.
///
/// Images stay in memory as bytes (47 MB for the training set, against 188 MB as floats) and are
/// normalized per batch with PyTorch's constants, `(x / 255 - 0.1307) / 0.3081`.
///
/// ```swift
/// let mnist = try MNIST.load()              // MNIST_DIR, ./data/mnist or ../shared/data/mnist
/// let loader = DataLoader(mnist.train, batchSize: 64, shuffle: true, seed: 0)
/// let batch = loader.batch(0, epoch: 0)    // inputs [64, 1, 28, 28], labels [64]
/// ```
public struct MNIST: Sendable {
    /// The 60,000 training images and labels.
    public let train: MNISTDataset
    /// The 10,000 test images and labels.
    public let test: MNISTDataset

    /// The four files and the published MD5s of their uncompressed contents.
    public static let files: [(name: String, md5: String)] = [
        ("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
        ("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
        ("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
        ("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
    ]

    /// The public mirror used when no local copy exists (overridable with `MNIST_MIRROR`).
    public static let defaultMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"

    /// Folders searched in order: `MNIST_DIR`, `./data/mnist`, `../shared/data/mnist`.
    public static func searchPaths(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        (environment["MNIST_DIR"].map { [$0] } ?? []) + ["./data/mnist", "../shared/data/mnist"]
    }

    /// The first folder of `searchPaths` that holds all four files (`.gz` or uncompressed).
    public static func locate(in paths: [String] = searchPaths()) -> String? {
        paths.first { folder in files.allSatisfy { filePath(named: $0.name, in: folder) != nil } }
    }

    /// Loads MNIST from `directory`, or from the first search path holding it; when no copy is
    /// found and `downloadIfMissing` is set, downloads the four files from `mirror`, verifies
    /// their MD5s and stores them in `./data/mnist` first.
    ///
    /// Every file is validated (magic number, dimensions, size, labels, matching counts); with
    /// `verifyChecksums` the MD5s of the uncompressed contents must match the published ones.
    /// - Throws: ``DataError`` naming the file and what is wrong.
    public static func load(from directory: String? = nil, verifyChecksums: Bool = false, downloadIfMissing: Bool = true,
                            mirror: String = ProcessInfo.processInfo.environment["MNIST_MIRROR"] ?? MNIST.defaultMirror) throws -> MNIST {
        let folder: String
        if let directory {
            folder = directory
        } else if let found = locate() {
            folder = found
        } else if downloadIfMissing {
            folder = "./data/mnist"
            do {
                try download(from: mirror, into: folder)
            } catch {
                throw DataError.notFound(
                    file: "MNIST", searched: searchPaths(),
                    hint: "Downloading from \(mirror) failed (\(error)). Put the four *-ubyte.gz files in one of these folders, or set MNIST_DIR.")
            }
        } else {
            throw DataError.notFound(file: "MNIST", searched: searchPaths(),
                                     hint: "Put the four *-ubyte.gz files in one of these folders, or set MNIST_DIR.")
        }
        func read(_ index: Int) throws -> (bytes: [UInt8], path: String) {
            let name = files[index].name
            guard let path = filePath(named: name, in: folder) else {
                throw DataError.notFound(file: name, searched: [folder], hint: "The folder lacks this file.")
            }
            // Images at even indices, labels at odd ones: the header is checked from the first
            // inflated bytes, and nothing past its declared size is inflated.
            let (magic, dimensions): (UInt32, [Int]) = index % 2 == 0 ? (2051, [MNISTDataset.imageSize, MNISTDataset.imageSize]) : (2049, [])
            let bytes = try readPossiblyCompressedFile(path) { prefix in
                try IDXFile.declaredSize(of: prefix, file: path, magic: magic, itemDimensions: dimensions)
            }
            if verifyChecksums {
                let actual = md5Hex(bytes)
                guard actual == files[index].md5 else { throw DataError.checksumMismatch(file: path, expected: files[index].md5, actual: actual) }
            }
            return (bytes, path)
        }
        return MNIST(
            train: try MNISTDataset(images: read(0), labels: read(1)),
            test: try MNISTDataset(images: read(2), labels: read(3)))
    }

    /// Downloads the four files from `mirror` into `folder`, verifying each MD5 before it is
    /// stored; a file that fails verification is not kept, and folders this call created are
    /// removed again when the download fails and leaves them empty.
    public static func download(from mirror: String, into folder: String) throws {
        // The folders that do not exist yet, innermost first: removed again if they stay empty.
        var created: [String] = []
        var candidate = (folder as NSString).standardizingPath
        while !candidate.isEmpty, candidate != "/", candidate != ".", !FileManager.default.fileExists(atPath: candidate) {
            created.append(candidate)
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        do {
            try downloadFiles(from: mirror, into: folder)
        } catch {
            for path in created where ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty {
                try? FileManager.default.removeItem(atPath: path)
            }
            throw error
        }
    }

    private static func downloadFiles(from mirror: String, into folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, md5) in files {
            let url = mirror.hasSuffix("/") ? mirror + name + ".gz" : mirror + "/" + name + ".gz"
            let compressed = try httpGet(url)
            let destination = "\(folder)/\(name).gz"
            let temporary = destination + ".part"
            try Data(compressed).write(to: URL(fileURLWithPath: temporary))
            do {
                let actual = md5Hex(try readPossiblyCompressedFile(temporary))
                guard actual == md5 else { throw DataError.checksumMismatch(file: url, expected: md5, actual: actual) }
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
            // rename(2) replaces any older copy atomically.
            guard rename(temporary, destination) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw DataError.unreadable(file: destination, reason: "cannot move the download into place")
            }
        }
    }

    private static func filePath(named name: String, in folder: String) -> String? {
        ["\(folder)/\(name).gz", "\(folder)/\(name)"].first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// One MNIST split: images as bytes and labels, batched into normalized tensors.
public struct MNISTDataset: Dataset, Sendable {
    /// Pixels, `count × 784` bytes.
    public let pixels: [UInt8]
    /// Digits 0-9.
    public let digits: [UInt8]
    /// Images are `imageSize` x `imageSize` pixels.
    public static let imageSize = 28
    /// The training set's mean pixel value (of values in 0...1), used to normalize.
    public static let mean: Float = 0.1307
    /// The training set's pixel standard deviation, used to normalize.
    public static let standardDeviation: Float = 0.3081

    /// The normalized value of each possible byte, so a batch costs one table lookup per pixel.
    private static let normalized: [Float] = PixelNormalization(mean: mean, standardDeviation: standardDeviation).table

    init(images: (bytes: [UInt8], path: String), labels: (bytes: [UInt8], path: String)) throws {
        let side = Self.imageSize
        let imageFile = try IDXFile(bytes: images.bytes, file: images.path, magic: 2051, itemDimensions: [side, side])
        let labelFile = try IDXFile(bytes: labels.bytes, file: labels.path, magic: 2049, itemDimensions: [])
        guard imageFile.dimensions[0] == labelFile.dimensions[0] else {
            throw DataError.countMismatch(images: images.path, imageCount: imageFile.dimensions[0],
                                          labels: labels.path, labelCount: labelFile.dimensions[0])
        }
        if let bad = labelFile.payload.firstIndex(where: { $0 > 9 }) {
            throw DataError.invalidLabel(file: labels.path, index: bad - labelFile.payload.startIndex, value: Int(labelFile.payload[bad]))
        }
        pixels = Array(imageFile.payload)
        digits = Array(labelFile.payload)
    }

    /// The number of examples.
    public var count: Int { digits.count }

    /// Images `[batch, 1, 28, 28]`, normalized, and their digits `[batch]`.
    public func batch(at indices: [Int]) -> LabeledBatch {
        let side = Self.imageSize
        let inputs = Tensor.gathering(rows: indices, of: pixels, rowLength: side * side, through: Self.normalized,
                                      shape: [indices.count, 1, side, side])
        return LabeledBatch(inputs: inputs, labels: Tensor(indices.map { Float(digits[$0]) }, shape: [indices.count]))
    }
}
