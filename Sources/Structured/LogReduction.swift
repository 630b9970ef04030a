import Events
import Metrics
import TensorCore

/// How epoch-level values of one logged name combine over the epoch's calls.
public enum LogReduction: Sendable {
    /// The mean weighted by batch size (Lightning's default).
    case mean
    case sum, max, min
}
