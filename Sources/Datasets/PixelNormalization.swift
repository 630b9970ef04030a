/// How image bytes become network inputs: `(byte / 255 - mean) / standardDeviation`.
///
/// Each data set has its own statistics: MNIST's are not Fashion-MNIST's. Take the published
/// ones, or measure them on the training images.
///
/// ```swift
/// let fashion = try IDXImageDataset(imagesAt: "train-images-idx3-ubyte.gz", labelsAt: "train-labels-idx1-ubyte.gz",
///                                   normalization: .fashionMNIST)
/// ```
public struct PixelNormalization: Sendable, Equatable {
    /// The mean pixel value, of values in 0...1.
    public var mean: Float
    /// The pixel standard deviation, of values in 0...1.
    public var standardDeviation: Float

    /// Normalization with these statistics; `standardDeviation` must be positive.
    public init(mean: Float, standardDeviation: Float) {
        precondition(standardDeviation > 0, "PixelNormalization: standard deviation \(standardDeviation) must be > 0")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// MNIST's training-set statistics (PyTorch's usual constants).
    public static let mnist = PixelNormalization(mean: 0.1307, standardDeviation: 0.3081)
    /// Fashion-MNIST's training-set statistics.
    public static let fashionMNIST = PixelNormalization(mean: 0.2860, standardDeviation: 0.3530)
    /// Bytes mapped to 0...1 only.
    public static let unitRange = PixelNormalization(mean: 0, standardDeviation: 1)

    /// The mean and (population) standard deviation of `pixels`, computed in one pass.
    public static func measured(on pixels: [UInt8]) -> PixelNormalization {
        var histogram = [Int](repeating: 0, count: 256)
        for byte in pixels { histogram[Int(byte)] += 1 }
        let count = Double(Swift.max(pixels.count, 1))
        let mean = histogram.enumerated().reduce(0.0) { $0 + Double($1.element) * Double($1.offset) / 255 } / count
        let variance = histogram.enumerated().reduce(0.0) {
            let value = Double($1.offset) / 255 - mean
            return $0 + Double($1.element) * value * value
        } / count
        return PixelNormalization(mean: Float(mean), standardDeviation: Float(Swift.max(variance.squareRoot(), 1e-6)))
    }

    /// The normalized value of each possible byte.
    var table: [Float] { (0..<256).map { (Float($0) / 255 - mean) / standardDeviation } }
}
