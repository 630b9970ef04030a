import Foundation
import TensorCore

/// An 8-bit grayscale picture that writes itself as a PNG file, with zlib and no other
/// dependency: how a GAN's generated digits reach a report.
///
/// ```swift
/// let samples = generator(noise).reshaped(to: [64, 28, 28])     // values in -1...1
/// let grid = GrayscaleImage(grid: samples, columns: 8, range: -1...1)
/// try grid.write(toPNG: "epoch-1.png")
/// ```
public struct GrayscaleImage: Equatable, Sendable {
    /// Columns of pixels.
    public var width: Int
    /// Rows of pixels.
    public var height: Int
    /// Row-major brightness, 0 black to 255 white; `width · height` of them.
    public var pixels: [UInt8]

    /// A picture of `pixels` (row-major, `width · height` of them).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "GrayscaleImage: \(pixels.count) pixels for \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The `[count, rows, columns]` images of `images` tiled `columns` to a row, `padding`
    /// black pixels apart (as torchvision's `make_grid`); values map from `range` to 0...255
    /// and are clamped.
    public init(grid images: Tensor, columns: Int, range: ClosedRange<Float> = 0...1, padding: Int = 2) {
        precondition(images.rank == 3, "GrayscaleImage(grid:): images of shape [count, rows, columns] expected, got \(images.shape)")
        precondition(columns > 0 && padding >= 0, "GrayscaleImage(grid:): \(columns) columns, padding \(padding)")
        let (count, tileHeight, tileWidth) = (images.shape[0], images.shape[1], images.shape[2])
        let rows = (count + columns - 1) / columns
        let width = columns * (tileWidth + padding) + padding, height = rows * (tileHeight + padding) + padding
        var pixels = [UInt8](repeating: 0, count: width * height)
        let values = images.scalars, scale = 255 / (range.upperBound - range.lowerBound)
        for image in 0..<count {
            let top = padding + (image / columns) * (tileHeight + padding), left = padding + (image % columns) * (tileWidth + padding)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth {
                    let value = (values[(image * tileHeight + y) * tileWidth + x] - range.lowerBound) * scale
                    pixels[(top + y) * width + left + x] = UInt8(Swift.min(Swift.max(value.isNaN ? 0 : value, 0), 255).rounded())
                }
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The picture as a PNG file's bytes: 8-bit grayscale, no interlacing, filter 0 per row.
    public var pngData: [UInt8] {
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)
            scanlines.append(contentsOf: pixels[(row * width)..<((row + 1) * width)])
        }
        var header: [UInt8] = []
        header += Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]   // bit depth 8, grayscale, deflate, adaptive filters, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + Self.chunk("IHDR", header) + Self.chunk("IDAT", zlibCompressed(scanlines)) + Self.chunk("IEND", [])
    }

    /// Writes ``pngData`` to `path`, atomically.
    /// - Throws: ``DataError/unwritable(file:reason:)`` when the file cannot be written.
    public func write(toPNG path: String) throws {
        do {
            try Data(pngData).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DataError.unwritable(file: path, reason: error.localizedDescription)
        }
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(zlibCRC32(typed))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
