import Synchronization

/// The process-wide generator that parameter initialization and dropout draw from when no
/// generator is given. It starts from seed 0, so a program that never seeds still repeats itself
/// exactly from run to run.
private let processGenerator = Mutex(RandomGenerator(seed: 0))

/// A generator that replaces the process-wide one inside ``withRandomScope(seed:_:)``.
private final class ScopedGenerator: Sendable {
    let generator: Mutex<RandomGenerator>
    init(seed: UInt64) { generator = Mutex(RandomGenerator(seed: seed)) }
}

private enum RandomScope {
    @TaskLocal static var current: ScopedGenerator?
}

extension RandomGenerator {
    /// The state of the generator that initialization and dropout draw from: the process-wide
    /// one, or the current scope's inside ``withRandomScope(seed:_:)``. Save it in a checkpoint;
    /// assign it to resume.
    public static var global: RandomGenerator {
        get { withGlobal { $0 } }
        set { withGlobal { $0 = newValue } }
    }

    /// Runs `body` with exclusive access to the generator that ``global`` names.
    public static func withGlobal<Result>(_ body: (inout RandomGenerator) -> Result) -> Result {
        if let scoped = RandomScope.current {
            return scoped.generator.withLock { body(&$0) }
        }
        return processGenerator.withLock { body(&$0) }
    }
}

/// Seeds every source of randomness in the package: the generator that parameter
/// initialization and dropout draw from. Data shuffling takes its own seed (each epoch's order
/// is a pure function of that seed and the epoch number), so it needs no global state.
///
/// With the same seed, the same program on the same machine and thread count produces
/// bit-identical weights.
///
/// ```swift
/// seedEverything(42)
/// let model = Linear(inFeatures: 784, outFeatures: 10)   // same weights every run
/// ```
public func seedEverything(_ seed: UInt64) {
    RandomGenerator.global = RandomGenerator(seed: seed)
}

/// Runs `body` with a generator of its own, seeded with `seed`, in place of the process-wide
/// one: initialization, dropout and ``seedEverything(_:)`` inside `body` (and in tasks it
/// starts) use it, and nothing outside sees it.
///
/// Threads that each simulate a process (one per rank), or tests running in parallel, stay
/// reproducible this way.
///
/// ```swift
/// let weights = withRandomScope(seed: 7) { Linear(inFeatures: 4, outFeatures: 2).weight.scalars }
/// ```
public func withRandomScope<Result>(seed: UInt64, _ body: () throws -> Result) rethrows -> Result {
    try RandomScope.$current.withValue(ScopedGenerator(seed: seed), operation: body)
}

extension Tensor {
    /// A tensor of `shape` with samples uniform in `range`, drawn from the global generator.
    public convenience init(randomUniform shape: [Int], in range: ClosedRange<Float> = 0...1) {
        let values = RandomGenerator.withGlobal { generator in
            Tensor(randomUniform: shape, in: range, generator: &generator)
        }
        self.init(shape: shape, storage: values.storage)
    }

    /// A tensor of `shape` with normal samples drawn from the global generator.
    public convenience init(randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1) {
        let values = RandomGenerator.withGlobal { generator in
            Tensor(randomNormal: shape, mean: mean, standardDeviation: standardDeviation, generator: &generator)
        }
        self.init(shape: shape, storage: values.storage)
    }
}
