import Foundation
import Testing
import TensorCore
import TestSupport
import Datasets

/// The PNG writer, checked by a decoder it does not share code with: Python's `zlib` and
/// `struct` (the chunk CRCs, the inflated scanlines, every pixel).
@Suite struct GrayscaleImageTests {
    static let decoder = """
        import struct, sys, zlib, json
        data = open(sys.argv[1], 'rb').read()
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'signature'
        pos, chunks = 8, []
        while pos < len(data):
            (length,) = struct.unpack('>I', data[pos:pos + 4]); kind = data[pos + 4:pos + 8]; body = data[pos + 8:pos + 8 + length]
            (crc,) = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
            assert zlib.crc32(kind + body) == crc, 'crc of ' + kind.decode()
            chunks.append((kind, body)); pos += 12 + length
        assert [k for k, _ in chunks] == [b'IHDR', b'IDAT', b'IEND'], [k for k, _ in chunks]
        width, height, depth, color, _, _, interlace = struct.unpack('>IIBBBBB', chunks[0][1])
        assert (depth, color, interlace) == (8, 0, 0)
        raw = zlib.decompress(chunks[1][1])
        rows = [raw[r * (width + 1):(r + 1) * (width + 1)] for r in range(height)]
        assert all(row[0] == 0 for row in rows) and len(raw) == height * (width + 1)
        print(json.dumps({'width': width, 'height': height, 'pixels': [p for row in rows for p in row[1:]]}))
        """

    static var python: String? {
        ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: python != nil, "needs python3"))
    func aGridDecodesToItsPixels() throws {
        let folder = try makeTemporaryFolder()
        // Two 3x2 images with values from -1 to 1, tiled 2 to a row with 1 pixel of padding.
        let images = Tensor([-1, 0, 1, 0.5, -0.5, 2, 1, 1, 1, -1, -1, -1], shape: [2, 2, 3])
        let grid = GrayscaleImage(grid: images, columns: 2, range: -1...1, padding: 1)
        #expect(grid.width == 9 && grid.height == 4)
        #expect(Array(grid.pixels[9..<18]) == [0, 0, 128, 255, 0, 255, 255, 255, 0], "row 1: both images' first rows, values clamped")
        let path = folder + "/grid.png"
        try grid.write(toPNG: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python!)
        process.arguments = ["-c", Self.decoder, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let decoded = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(decoded["width"] as? Int == 9 && decoded["height"] as? Int == 4)
        #expect((decoded["pixels"] as? [Int])?.map(UInt8.init) == grid.pixels)
    }

    @Test func anUnwritablePathThrowsATypedError() {
        let image = GrayscaleImage(width: 1, height: 1, pixels: [7])
        #expect(throws: DataError.self) { try image.write(toPNG: "/nonexistent-folder/x.png") }
    }
}
