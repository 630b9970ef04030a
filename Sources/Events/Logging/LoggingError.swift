/// A logger could not record what it was given. Training code sees it through the engine's
/// error handlers like any other data-dependent error.
public enum LoggingError: Error, CustomStringConvertible, Equatable {
    /// A log file or folder cannot be written.
    case unwritable(path: String, reason: String)

    /// What is wrong and where, in one line.
    public var description: String {
        switch self {
        case let .unwritable(path, reason): "\(path): cannot write the log: \(reason)"
        }
    }
}
