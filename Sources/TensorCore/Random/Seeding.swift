import Synchronization

/// The process-wide generator that parameter initialization and dropout draw from when no
/// generator is given. It starts from seed 0, so a program that never seeds still repeats itself
/// exactly from run to run.
private let globalGenerator = Mutex(RandomGenerator(seed: 0))

extension RandomGenerator {
    /// The process-wide generator's current state (save it in a checkpoint; assign it to resume).
    public static var global: RandomGenerator {
        get { globalGenerator.withLock { $0 } }
        set { globalGenerator.withLock { $0 = newValue } }
    }

    /// Runs `body` with exclusive access to the process-wide generator.
    public static func withGlobal<Result>(_ body: (inout RandomGenerator) -> Result) -> Result {
        globalGenerator.withLock { generator in body(&generator) }
    }
}

/// Seeds every source of randomness in the package: the process-wide generator used by
/// parameter initialization and dropout. Data shuffling takes its own seed (the order of each
/// epoch is a pure function of that seed and the epoch number), so it needs no global state.
///
/// With the same seed, the same program on the same machine and thread count produces
/// bit-identical weights.
///
/// ```swift
/// seedEverything(42)
/// let model = Linear(inputSize: 784, outputSize: 10)   // same weights every run
/// ```
public func seedEverything(_ seed: UInt64) {
    RandomGenerator.global = RandomGenerator(seed: seed)
}

extension Tensor {
    /// A tensor of `shape` with samples uniform in `range`, drawn from the process-wide generator.
    public convenience init(randomUniform shape: [Int], in range: ClosedRange<Float> = 0...1) {
        var generator = RandomGenerator.global
        self.init(randomUniform: shape, in: range, generator: &generator)
        RandomGenerator.global = generator
    }

    /// A tensor of `shape` with normal samples drawn from the process-wide generator.
    public convenience init(randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1) {
        var generator = RandomGenerator.global
        self.init(randomNormal: shape, mean: mean, standardDeviation: standardDeviation, generator: &generator)
        RandomGenerator.global = generator
    }
}
