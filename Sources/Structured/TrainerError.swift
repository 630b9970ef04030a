import Events
import Metrics
import TensorCore

/// Misuse of the Structured frontend: always raised before training starts or at the call
/// that is wrong, naming the setting.
public enum TrainerError: Error, CustomStringConvertible, Equatable {
    case loggingNotAllowed(name: String, hook: String)
    case stepLoggingNotAllowed(name: String, hook: String)
    case logOutsideTrainer(name: String)
    case invalidSetting(String)
    case missingData(String)
    case monitoredMetricMissing(callback: String, monitor: String, available: [String])
    case nonScalarValue(name: String, shape: [Int])

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .loggingNotAllowed(name, hook): "log(\"\(name)\") is not allowed in \(hook)"
        case let .stepLoggingNotAllowed(name, hook): "log(\"\(name)\", onStep: true) is not allowed in \(hook), which runs once per epoch"
        case .logOutsideTrainer(let name): "log(\"\(name)\") was called outside a Trainer run"
        case .invalidSetting(let detail): "invalid Trainer setting: \(detail)"
        case .missingData(let detail): detail
        case let .monitoredMetricMissing(callback, monitor, available):
            "\(callback) monitors \"\(monitor)\", which was never logged; logged: \(available.sorted().joined(separator: ", "))"
        case let .nonScalarValue(name, shape): "log(\"\(name)\") needs one number, got a tensor of shape \(shape)"
        }
    }
}
