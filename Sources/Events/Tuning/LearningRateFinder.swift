import Foundation
import TensorCore

/// The learning-rate range test (Lightning's `Tuner.lr_find`, Ignite's `FastaiLRFinder`): train
/// on successive batches while the rate grows exponentially from ``minimumRate`` to
/// ``maximumRate``, smooth the losses, and suggest the rate where the smoothed loss falls
/// fastest. One implementation for both frontends; the Structured `Tuner` runs it on a module's
/// `trainingStep`.
///
/// The sweep trains for real, through the package's one optimization step, so it changes the
/// weights; afterwards the model, the optimizer (rate and buffers), the gradients and the
/// process-wide random generator are restored bit for bit, and training starts as if the finder
/// had never run.
///
/// Lightning's suggestions are known to jump between seeds: here the loss is smoothed
/// (exponential average, bias-corrected), the first tenth of the sweep is left out of the
/// search, and the slope is a central difference over the log of the rate.
///
/// ```swift
/// let result = try LearningRateFinder().run(model: model, optimizer: optimizer, data: loader) { batch in
///     (crossEntropy(logits: model(batch.inputs), labels: batch.labels), batch.count)
/// }
/// optimizer.learningRate = result.suggestion ?? optimizer.learningRate
/// try result.svg().write(toFile: "lr-find.svg", atomically: true, encoding: .utf8)
/// ```
public struct LearningRateFinder: Sendable {
    /// The first rate of the sweep.
    public var minimumRate: Float
    /// The last rate of the sweep.
    public var maximumRate: Float
    /// Batches in the sweep (the data's epochs repeat as needed).
    public var steps: Int
    /// The weight of the past in the loss average (Lightning's 0.98).
    public var smoothing: Double
    /// The sweep stops once the smoothed loss passes this multiple of its best.
    public var divergenceThreshold: Double

    /// A finder with these settings.
    public init(minimumRate: Float = 1e-6, maximumRate: Float = 1, steps: Int = 100, smoothing: Double = 0.98,
                divergenceThreshold: Double = 4) {
        precondition(minimumRate > 0 && maximumRate > minimumRate, "LearningRateFinder: need 0 < minimumRate < maximumRate")
        precondition(steps >= 2, "LearningRateFinder: steps must be at least 2, got \(steps)")
        precondition((0..<1).contains(smoothing), "LearningRateFinder: smoothing must be in [0, 1), got \(smoothing)")
        (self.minimumRate, self.maximumRate, self.steps) = (minimumRate, maximumRate, steps)
        (self.smoothing, self.divergenceThreshold) = (smoothing, divergenceThreshold)
    }

    /// What a sweep found.
    public struct Result: Sendable {
        /// The rate of each batch of the sweep.
        public let rates: [Float]
        /// The smoothed loss after each batch.
        public let losses: [Double]
        /// The rate where the smoothed loss fell fastest, or nil when the sweep was too short.
        public let suggestion: Float?
    }

    /// Runs the sweep over `data`: `loss` gives each batch's loss and example count. Restores
    /// the model, optimizer and random generator afterwards (also when `loss` throws).
    /// - Throws: what `loss` or the optimization step throws, after the restore.
    public func run<Source: BatchSource>(model: any Module, optimizer: any Optimizer, data: Source,
                                         loss: (Source.Batch) throws -> (loss: Tensor, examples: Int)) throws -> Result {
        try withRestoredTrainingState(model: model, optimizer: optimizer) {
            try sweep(model: model, optimizer: optimizer, data: data, loss: loss)
        }
    }

    private func sweep<Source: BatchSource>(model: any Module, optimizer: any Optimizer, data: Source,
                                            loss: (Source.Batch) throws -> (loss: Tensor, examples: Int)) throws -> Result {
        let optimization = OptimizationStep(optimizer: optimizer, model: model)
        model.train()
        var rates: [Float] = [], losses: [Double] = [], average = 0.0, best = Double.infinity
        var epoch = 0, batches = data.makeBatches(epoch: 0, startingAt: 0)
        for index in 0..<steps {
            var next = batches.next()
            if next == nil {
                epoch += 1
                batches = data.makeBatches(epoch: epoch, startingAt: 0)
                next = batches.next()
            }
            guard let batch = next else { break }
            let rate = minimumRate * pow(maximumRate / minimumRate, Float(index) / Float(steps - 1))
            optimizer.learningRate = rate
            let (value, examples) = try loss(batch)
            let observed = Double(value.scalar)
            _ = try optimization.apply(loss: value, examples: examples, endsEpoch: false)
            average = smoothing * average + (1 - smoothing) * observed
            let smoothed = average / (1 - pow(smoothing, Double(index + 1)))
            rates.append(rate)
            losses.append(smoothed)
            if !smoothed.isFinite || smoothed > divergenceThreshold * best { break }
            best = min(best, smoothed)
        }
        return Result(rates: rates, losses: losses, suggestion: Self.steepestDescent(rates: rates, losses: losses))
    }

    /// The rate where the loss falls fastest against log10(rate), leaving out the first tenth of
    /// the sweep (where the average still settles) and the last point (often the divergence).
    static func steepestDescent(rates: [Float], losses: [Double]) -> Float? {
        let count = losses.count, skipStart = max(1, count / 10)
        guard count - skipStart - 1 >= 2 else { return nil }
        let x = rates.map { log10(Double($0)) }
        func slope(_ i: Int) -> Double { (losses[i + 1] - losses[i - 1]) / (x[i + 1] - x[i - 1]) }
        let candidates = skipStart..<(count - 1)
        guard let steepest = candidates.filter({ losses[$0].isFinite }).min(by: { slope($0) < slope($1) }) else { return nil }
        return rates[steepest]
    }
}
