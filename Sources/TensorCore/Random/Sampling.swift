import Foundation

/// How ``sampleIndex(fromLogits:options:using:)`` turns scores into a draw.
public struct SamplingOptions: Sendable {
    /// Divides the logits: below 1 sharpens the distribution, above 1 flattens it. Must be > 0.
    public var temperature: Float = 1
    /// Keeps only the `topK` highest-scoring indices (all when `nil`).
    public var topK: Int?

    /// Plain sampling from the softmax of the logits, unless changed.
    public init(temperature: Float = 1, topK: Int? = nil) {
        self.temperature = temperature
        self.topK = topK
    }
}

/// One index drawn from `softmax(logits / temperature)` restricted to the `topK` best
/// (PyTorch's `torch.multinomial` after the usual temperature and top-k filtering), using
/// `generator`, so a seeded generator gives the same draws every run.
///
/// ```swift
/// var generator = RandomGenerator(seed: 7)
/// let next = sampleIndex(fromLogits: logits[0][63], options: SamplingOptions(temperature: 0.8, topK: 20), using: &generator)
/// ```
/// - Complexity: O(n log n) with `topK`, O(n) without, for `n` logits.
public func sampleIndex(fromLogits logits: Tensor, options: SamplingOptions = SamplingOptions(),
                        using generator: inout RandomGenerator) -> Int {
    guard logits.rank == 1, logits.scalarCount > 0 else { fail("sampleIndex", "logits must be a non-empty vector, got shape \(logits.shape)") }
    guard options.temperature > 0 else { fail("sampleIndex", "temperature must be > 0, got \(options.temperature)") }
    var scores = logits.scalars.map { $0 / options.temperature }
    if let k = options.topK {
        guard k >= 1 else { fail("sampleIndex", "topK must be at least 1, got \(k)") }
        if k < scores.count {
            let threshold = scores.sorted(by: >)[k - 1]
            scores = scores.map { $0 < threshold ? -.infinity : $0 }
        }
    }
    let maximum = scores.max()!
    let weights = scores.map { Foundation.exp(Double($0 - maximum)) }
    let draw = Double(generator.nextUniform()) * weights.reduce(0, +)
    var running = 0.0
    for (index, weight) in weights.enumerated() {
        running += weight
        if draw < running { return index }
    }
    return weights.lastIndex(where: { $0 > 0 })!
}
