/// Whether operations record the graph that `backward()` walks.
///
/// Recording is on by default. Turn it off for evaluation with ``withoutGradient(_:)``: the
/// operations then skip building the graph, which saves memory and time. The setting is local
/// to the current thread and task, so ranks simulated as threads do not disturb each other.
public enum GradientMode {
    /// Whether operations performed here record gradients.
    public static var isEnabled: Bool { OperationContext.current.isRecordingGradients }
}

/// Runs `body` with gradient recording switched off (PyTorch's `torch.no_grad()`).
///
/// ```swift
/// let accuracy = withoutGradient { evaluate(model, on: testSet) }
/// ```
public func withoutGradient<Result>(_ body: () throws -> Result) rethrows -> Result {
    try OperationContext.with({ $0.isRecordingGradients = false }, body)
}
