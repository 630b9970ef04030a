/// A problem caused by the data a layer or loss received, not by the code: a training batch of
/// one example in a batch-normalization layer, a label outside the classes.
///
/// The rule: a programmer error (shapes that can never fit) stops the program with a message
/// naming the operation and both shapes. A data-dependent error inside an engine run (either
/// frontend) is thrown instead: the operation records it and returns a harmless value of the
/// right shape, and the engine throws it right after the step, so its error handlers, the
/// Structured exception hooks and the checkpoint machinery all run. Outside a run it stops the
/// program like a programmer error, unless the code runs inside ``throwingDataErrors(_:)``.
///
/// ```swift
/// do {
///     try throwingDataErrors { _ = batchNorm(Tensor(zeros: [1, 8])) }
/// } catch let error as DataDependentError {
///     print(error)   // BatchNorm1D: needs more than one value per channel in training mode, got [1, 8]
/// }
/// ```
public struct DataDependentError: Error, CustomStringConvertible, Equatable {
    /// The layer or loss that refused its input.
    public let operation: String
    /// What was wrong with the input.
    public let message: String

    /// The problem in one line: what is wrong and where.
    public var description: String { "\(operation): \(message)" }
}

/// Where data-dependent errors go on this thread: recorded for the innermost run, or fatal.
final class DataErrorScope: @unchecked Sendable {
    var pending: DataDependentError?

    @TaskLocal static var current: DataErrorScope?
}

/// Records a data-dependent error for the innermost ``throwingDataErrors(_:)`` scope (the first
/// one wins: later ones are consequences of it), or stops the program when there is none.
func reportDataError(_ operation: String, _ message: String) {
    guard let scope = DataErrorScope.current else { fail(operation, message) }
    if scope.pending == nil { scope.pending = DataDependentError(operation: operation, message: message) }
}

/// Runs `body`, in which data-dependent errors are recorded instead of stopping the program,
/// and throws the first one recorded once `body` returns (or before it, when `body` calls
/// ``throwPendingDataError()``). Engines run their steps inside such a scope.
public func throwingDataErrors<Result>(_ body: () throws -> Result) throws -> Result {
    let scope = DataErrorScope()
    return try DataErrorScope.$current.withValue(scope) {
        let result = try body()
        try throwPendingDataError()
        return result
    }
}

/// Throws (and clears) the data-dependent error recorded in the innermost scope, if any.
/// Call it before work that must not run on a bad value (backward, an optimizer step).
public func throwPendingDataError() throws {
    guard let scope = DataErrorScope.current, let error = scope.pending else { return }
    scope.pending = nil
    throw error
}
