/// How the epoch value of one logged name combines the values logged during the epoch.
public enum LogReduction: Sendable {
    /// The mean weighted by batch size (Lightning's default).
    case mean
    /// The sum of the logged values.
    case sum
    /// The largest logged value.
    case max
    /// The smallest logged value.
    case min
}
