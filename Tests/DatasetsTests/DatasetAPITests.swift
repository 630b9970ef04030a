import Foundation
import Testing
import TensorCore
import TestSupport
import Datasets

/// Data sets beyond MNIST: IDX image files with their own normalization (the Fashion-MNIST
/// path), random splits and subsets, and data from arrays or CSV.
@Suite struct DatasetAPITests {
    /// Writes an IDX image file and a label file of `count` images of `height`×`width`.
    func writeIDX(in folder: String, count: Int, height: Int, width: Int, labels: [UInt8], pixel: (Int) -> UInt8) throws -> (String, String) {
        func header(_ magic: UInt32, _ dimensions: [Int]) -> [UInt8] {
            ([Int(magic)] + dimensions).flatMap { value in (0..<4).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) } }
        }
        let images = header(2051, [count, height, width]) + (0..<(count * height * width)).map(pixel)
        let labelBytes = header(2049, [count]) + labels
        let imagesPath = "\(folder)/images-idx3-ubyte", labelsPath = "\(folder)/labels-idx1-ubyte"
        try Data(images).write(to: URL(fileURLWithPath: imagesPath))
        try Data(labelBytes).write(to: URL(fileURLWithPath: labelsPath))
        return (imagesPath, labelsPath)
    }

    @Test func idxImagesUseTheirOwnNormalization() throws {
        let folder = try makeTemporaryFolder()
        let (images, labels) = try writeIDX(in: folder, count: 6, height: 4, width: 3, labels: [0, 1, 2, 2, 1, 0]) { UInt8(($0 * 37) % 256) }
        let data = try IDXImageDataset(imagesAt: images, labelsAt: labels, classes: 3)
        let batch = data.batch(at: Array(0..<6))
        #expect(batch.inputs.shape == [6, 1, 4, 3])
        #expect(batch.labels.scalars == [0, 1, 2, 2, 1, 0])
        // Measured on these images: the whole set comes out with mean 0 and deviation 1.
        #expect(abs(batch.inputs.mean().scalar) < 1e-5)
        #expect(abs(batch.inputs.variance(alongAxes: [0, 1, 2, 3], correction: 0).scalar - 1) < 1e-4)
        let fixed = try IDXImageDataset(imagesAt: images, labelsAt: labels, classes: 3, normalization: .fashionMNIST)
        #expect(fixed.batch(at: [0]).inputs.scalars[1] == (Float(37) / 255 - 0.2860) / 0.3530)
        #expect(throws: DataError.invalidLabel(file: labels, index: 2, value: 2)) {
            try IDXImageDataset(imagesAt: images, labelsAt: labels, classes: 2)
        }
    }

    @Test(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
    func theMNISTFilesReadThroughTheGenericPathGiveTheSameBatches() throws {
        let folder = realMNISTFolder!
        let generic = try IDXImageDataset(imagesAt: "\(folder)/t10k-images-idx3-ubyte.gz", labelsAt: "\(folder)/t10k-labels-idx1-ubyte.gz",
                                          normalization: .mnist)
        let mnist = try MNIST.load(from: folder)
        let indices = [0, 17, 9_999]
        #expect(generic.batch(at: indices).inputs.scalars == mnist.test.batch(at: indices).inputs.scalars)
        #expect(generic.batch(at: indices).labels.scalars == mnist.test.batch(at: indices).labels.scalars)
    }

    @Test func randomSplitsAreSeededDisjointAndComplete() {
        let data = TensorDataset(inputs: Tensor(rangeFrom: 0, to: 10).reshaped(to: [10, 1]), labels: Tensor(rangeFrom: 0, to: 10))
        let parts = randomSplit(data, sizes: [7, 3], seed: 5)
        #expect(parts.map(\.count) == [7, 3])
        #expect(Set(parts[0].indices + parts[1].indices) == Set(0..<10))
        #expect(randomSplit(data, sizes: [7, 3], seed: 5)[1].indices == parts[1].indices)
        #expect(randomSplit(data, sizes: [7, 3], seed: 6)[1].indices != parts[1].indices)
        #expect(parts[1].batch(at: [0, 2]).labels.scalars == [parts[1].indices[0], parts[1].indices[2]].map(Float.init))
        #expect(randomSplit(data, fractions: [0.5, 0.25, 0.25], seed: 1).map(\.count) == [6, 2, 2])
        #expect(DataLoader(parts[0], batchSize: 4).batchesPerEpoch == 2)
    }

    @Test func csvRowsBecomeExamples() throws {
        let folder = try makeTemporaryFolder()
        let good = "\(folder)/good.csv", bad = "\(folder)/bad.csv"
        try "x1,x2,label\n0.5,1,0\n2,3.25,1\r\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "x1,x2,label\n1,2,0\n1,oops,1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let data = try TensorDataset(csvAt: good)
        #expect(data.inputs.scalars == [0.5, 1, 2, 3.25] && data.labels.scalars == [0, 1])
        let first = try TensorDataset(csvAt: good, labelColumn: 0)
        #expect(first.labels.scalars == [0.5, 2])
        #expect(throws: DataError.malformedRow(file: bad, line: 3, reason: "field 2 \"oops\" is not a number")) { try TensorDataset(csvAt: bad) }
        #expect(TensorDataset(features: [[1, 2], [3, 4]], labels: [0, 1]).inputs.shape == [2, 2])
    }
}
