/// What the operations performed in this task report to: whether they record the gradient
/// graph, the profiler that counts them and the ONNX trace that records them.
///
/// One task-local value instead of three: every operation needs all three, and each lookup of a
/// task-local value walks the task's bindings (a frontend's run binds a few of its own). Like
/// every task-local value, it is local to the current thread and task, so ranks simulated as
/// threads do not disturb each other.
struct OperationContext: Sendable {
    /// Whether operations record the graph that `backward()` walks (``withoutGradient(_:)``
    /// turns it off).
    var isRecordingGradients = true
    /// The profiler counting operations, bound inside ``OperationProfiler/profile(region:_:)``.
    var profiler: OperationProfiler?
    /// The trace of an ONNX export in progress.
    var trace: ONNXTrace?

    @TaskLocal static var current = OperationContext()

    /// Runs `body` with the current context changed by `change`.
    static func with<Result>(_ change: (inout OperationContext) -> Void, _ body: () throws -> Result) rethrows -> Result {
        var context = current
        change(&context)
        return try $current.withValue(context, operation: body)
    }
}
