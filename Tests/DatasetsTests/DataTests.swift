import Foundation
import Testing
import TensorCore
import TestSupport
import Datasets

@Suite struct DataLoaderTests {
    let dataset = TensorDataset(inputs: Tensor(rangeFrom: 0, to: 10).reshaped(to: [10, 1]), labels: Tensor(rangeFrom: 0, to: 10))

    @Test func unshuffledBatchesCoverTheDataInOrder() {
        let loader = DataLoader(dataset, batchSize: 4)
        #expect(loader.batchesPerEpoch == 3)
        let batches = Array(loader.batches(epoch: 0))
        #expect(batches.map(\.count) == [4, 4, 2])
        #expect(batches.flatMap(\.labels.scalars) == (0..<10).map(Float.init))
        #expect(batches[1].inputs.shape == [4, 1])
    }

    @Test func dropLastLeavesOutThePartialBatch() {
        let loader = DataLoader(dataset, batchSize: 4, dropsLastPartialBatch: true)
        #expect(loader.batchesPerEpoch == 2)
        #expect(Array(loader.batches(epoch: 0)).map(\.count) == [4, 4])
    }

    @Test func shuffledOrderIsAPureFunctionOfSeedAndEpoch() {
        let loader = DataLoader(dataset, batchSize: 3, shuffle: true, seed: 7)
        #expect(loader.order(epoch: 2) == DataLoader(dataset, batchSize: 5, shuffle: true, seed: 7).order(epoch: 2))
        #expect(loader.order(epoch: 0) != loader.order(epoch: 1))
        #expect(loader.order(epoch: 0) != DataLoader(dataset, batchSize: 3, shuffle: true, seed: 8).order(epoch: 0))
        #expect(loader.order(epoch: 3).sorted() == Array(0..<10))
        // Resuming mid-epoch yields exactly the remaining batches.
        let all = Array(loader.batches(epoch: 1)).map(\.labels.scalars)
        #expect(Array(loader.batches(epoch: 1, startingAt: 2)).map(\.labels.scalars) == Array(all[2...]))
        #expect(loader.batch(3, epoch: 1).labels.scalars == all[3])
    }
}

@Suite(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
struct MNISTTests {
    @Test func loadsTheRealFilesWithPublishedCounts() throws {
        let mnist = try MNIST.load(verifyChecksums: true)
        #expect(mnist.train.count == 60_000)
        #expect(mnist.test.count == 10_000)
        var histogram = [Int](repeating: 0, count: 10)
        for digit in mnist.test.digits { histogram[Int(digit)] += 1 }
        #expect(histogram == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        let batch = mnist.train.batch(at: [0, 1])
        #expect(batch.inputs.shape == [2, 1, 28, 28])
        #expect(batch.labels.scalars == [5, 0])
        // The first pixel is background: (0 / 255 - 0.1307) / 0.3081.
        assertClose(batch.inputs.scalars[0], -0.1307 / 0.3081)
        assertClose(batch.inputs.max().scalar, (1 - 0.1307) / 0.3081)
    }

    /// Copies of the real files, optionally altered, in a temporary folder.
    func folder(altering name: String? = nil, _ change: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        let source = try #require(realMNISTFolder)
        let folder = try makeTemporaryFolder()
        for (file, _) in MNIST.files {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(source)/\(file).gz")))
            if file == name {
                bytes = [UInt8](try gunzip("\(source)/\(file).gz"))
                change(&bytes)
                try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(file)"))
            } else {
                try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(file).gz"))
            }
        }
        return folder
    }

    func gunzip(_ path: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc '\(path)'"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    @Test func uncompressedFilesLoadToo() throws {
        let mnist = try MNIST.load(from: folder(altering: "t10k-labels-idx1-ubyte"))
        #expect(mnist.test.count == 10_000)
    }

    @Test func truncatedFileNamesTheFileAndTheSizes() throws {
        let path = try folder(altering: "t10k-images-idx3-ubyte") { $0.removeLast(100) }
        #expect(throws: DataError.truncated(file: "\(path)/t10k-images-idx3-ubyte", expectedBytes: 7_840_016, actualBytes: 7_839_916)) {
            try MNIST.load(from: path)
        }
    }

    @Test func trailingBytesAreRejected() throws {
        let path = try folder(altering: "t10k-labels-idx1-ubyte") { $0.append(0) }
        #expect(throws: DataError.trailingBytes(file: "\(path)/t10k-labels-idx1-ubyte", expectedBytes: 10_008, actualBytes: 10_009)) {
            try MNIST.load(from: path)
        }
    }

    @Test func wrongMagicNumberIsRejected() throws {
        let path = try folder(altering: "t10k-labels-idx1-ubyte") { $0[3] = 0x03 }
        #expect(throws: DataError.wrongMagic(file: "\(path)/t10k-labels-idx1-ubyte", expected: 2049, found: 2051)) {
            try MNIST.load(from: path)
        }
    }

    @Test func mismatchedCountsAreRejected() throws {
        // Announce and hold 9,999 labels against 10,000 images.
        let path = try folder(altering: "t10k-labels-idx1-ubyte") { bytes in
            bytes[7] = 0x0F  // 10000 = 0x2710 -> 0x270F
            bytes.removeLast()
        }
        #expect(throws: DataError.countMismatch(images: "\(path)/t10k-images-idx3-ubyte.gz", imageCount: 10_000,
                                                labels: "\(path)/t10k-labels-idx1-ubyte", labelCount: 9_999)) {
            try MNIST.load(from: path)
        }
    }

    @Test func wrongDimensionsAndBadLabelsAreRejected() throws {
        let dims = try folder(altering: "t10k-images-idx3-ubyte") { $0[11] = 27 }
        #expect(throws: DataError.self) { try MNIST.load(from: dims) }
        let labels = try folder(altering: "t10k-labels-idx1-ubyte") { $0[8 + 42] = 10 }
        #expect(throws: DataError.invalidLabel(file: "\(labels)/t10k-labels-idx1-ubyte", index: 42, value: 10)) {
            try MNIST.load(from: labels)
        }
    }

    @Test func checksumVerificationCatchesAlteredPixels() throws {
        let path = try folder(altering: "t10k-images-idx3-ubyte") { $0[5000] ^= 0xFF }
        _ = try MNIST.load(from: path)   // structurally valid
        do {
            _ = try MNIST.load(from: path, verifyChecksums: true)
            Issue.record("altered pixels passed checksum verification")
        } catch let DataError.checksumMismatch(file, expected, actual) {
            #expect(file == "\(path)/t10k-images-idx3-ubyte")
            #expect(expected == "2646ac647ad5339dbf082846283269ea")
            #expect(actual != expected && actual.count == 32)
        }
    }

    @Test func corruptGzipStreamIsReported() throws {
        let source = try #require(realMNISTFolder)
        let folder = try makeTemporaryFolder()
        for (file, _) in MNIST.files {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(source)/\(file).gz")))
            if file == "train-labels-idx1-ubyte" { bytes.removeLast(bytes.count / 2) }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(file).gz"))
        }
        do {
            _ = try MNIST.load(from: folder)
            Issue.record("a truncated gzip stream loaded")
        } catch let error as DataError {
            #expect(error.description.contains("train-labels-idx1-ubyte.gz"))
        }
    }

    @Test func downloadsFromAMirrorAndVerifiesChecksums() throws {
        let source = try #require(realMNISTFolder)
        var served: [String: [UInt8]] = [:]
        for (file, _) in MNIST.files {
            served["\(file).gz"] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(source)/\(file).gz")))
        }
        let server = try LoopbackHTTPServer(files: served)
        defer { server.stop() }
        let destination = try makeTemporaryFolder() + "/mnist"
        try MNIST.download(from: server.baseURL, into: destination)
        #expect(try MNIST.load(from: destination, verifyChecksums: true).train.count == 60_000)

        // A mirror serving an altered file: the download fails and keeps nothing.
        var altered = served
        altered["t10k-labels-idx1-ubyte.gz"] = served["train-labels-idx1-ubyte.gz"]
        let badServer = try LoopbackHTTPServer(files: altered)
        defer { badServer.stop() }
        let badDestination = try makeTemporaryFolder()
        #expect(throws: DataError.self) { try MNIST.download(from: badServer.baseURL, into: badDestination) }
        #expect(!FileManager.default.fileExists(atPath: "\(badDestination)/t10k-labels-idx1-ubyte.gz"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: badDestination).allSatisfy { !$0.hasSuffix(".part") })

        // A missing file is an HTTP error naming the URL.
        let emptyServer = try LoopbackHTTPServer(files: [:])
        defer { emptyServer.stop() }
        #expect(throws: DataError.downloadFailed(url: emptyServer.baseURL + "train-images-idx3-ubyte.gz", reason: "HTTP status 404")) {
            try MNIST.download(from: emptyServer.baseURL, into: try makeTemporaryFolder())
        }
    }

    @Test func searchOrderPutsMNISTDirFirst() {
        #expect(MNIST.searchPaths(environment: ["MNIST_DIR": "/x"]) == ["/x", "./data/mnist", "../shared/data/mnist"])
        #expect(MNIST.searchPaths(environment: [:]) == ["./data/mnist", "../shared/data/mnist"])
        #expect(MNIST.locate(in: ["/nonexistent"]) == nil)
    }
}
