import TensorCore

/// Records an optimizer's learning rate at the start of every iteration or epoch, into the
/// engine's metrics and, on rank 0, a logger (Lightning's `LearningRateMonitor`; its Structured
/// twin records through the same ``record(_:key:step:into:loggers:isMain:)``).
///
/// ```swift
/// LearningRateLogger(optimizer: optimizer, every: .iteration, logger: csv).attach(to: trainer)
/// ```
public final class LearningRateLogger {
    /// The optimizer whose rate is recorded.
    public let optimizer: any Optimizer
    /// Per iteration or per epoch.
    public let interval: ScheduleInterval
    /// The key the rate is recorded under.
    public let key: String
    private let logger: (any MetricsLogger)?

    /// A logger of `optimizer`'s rate under `key` (by default `lr-<optimizer type>`, Lightning's name).
    public init(optimizer: any Optimizer, every interval: ScheduleInterval, key: String? = nil, logger: (any MetricsLogger)? = nil) {
        self.optimizer = optimizer
        self.interval = interval
        self.key = key ?? Self.defaultKey(for: optimizer)
        self.logger = logger
    }

    /// Lightning's key for an optimizer's rate: `lr-Adam`, `lr-SGD`.
    public static func defaultKey(for optimizer: any Optimizer) -> String { "lr-\(String(describing: type(of: optimizer)))" }

    /// Records `rate` under `key` in `metrics`, and in `loggers` at `step` when `isMain`.
    public static func record(_ rate: Float, key: String, step: Int, into metrics: inout [String: Float],
                              loggers: [any MetricsLogger], isMain: Bool) {
        metrics[key] = rate
        guard isMain else { return }
        for logger in loggers { try? logger.log([key: rate], step: step) }
    }

    /// Records at the start of every iteration or epoch of `engine`.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> HandlerRegistration {
        engine.on(interval == .iteration ? .iterationStarted : .epochStarted, named: "LearningRateLogger") { engine in
            Self.record(self.optimizer.learningRate, key: self.key, step: engine.state.iteration, into: &engine.state.metrics,
                        loggers: self.logger.map { [$0] } ?? [], isMain: engine.communicator.isMain)
        }
    }
}
