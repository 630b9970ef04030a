/// Reads command-line flags and their values one at a time, with the programs' usage errors.
///
/// ```swift
/// var reader = ArgumentReader(["--steps", "10"])
/// while let flag = reader.next() { if flag == "--steps" { steps = try reader.number(flag, in: 1...100) } }
/// ```
public struct ArgumentReader {
    private var remaining: ArraySlice<String>

    /// A reader over `arguments` (without the program name).
    public init(_ arguments: [String]) { remaining = arguments[...] }

    /// The next flag, or nil at the end.
    public mutating func next() -> String? { remaining.popFirst() }

    /// The value after `flag`.
    /// - Throws: ``UsageError`` when it is missing.
    public mutating func value(_ flag: String) throws -> String {
        guard let next = remaining.popFirst() else { throw UsageError("\(flag) needs a value") }
        return next
    }

    /// The whole number after `flag`, checked against `range`.
    /// - Throws: ``UsageError`` naming the flag and the range.
    public mutating func number<T: FixedWidthInteger>(_ flag: String, in range: ClosedRange<T>) throws -> T {
        let text = try value(flag)
        guard let parsed = T(text), range.contains(parsed) else {
            throw UsageError("\(flag) needs a whole number from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return parsed
    }
}

/// Takes `flag` and the value after it out of `arguments` (a comparison program's own option,
/// kept from the runs it forwards the rest to); nil when the flag is absent.
/// - Throws: ``UsageError`` when the flag has no value.
public func takeOption(_ flag: String, from arguments: inout [String]) throws -> String? {
    guard let index = arguments.firstIndex(of: flag) else { return nil }
    guard index + 1 < arguments.count else { throw UsageError("\(flag) needs a value") }
    defer { arguments.removeSubrange(index...(index + 1)) }
    return arguments[index + 1]
}
