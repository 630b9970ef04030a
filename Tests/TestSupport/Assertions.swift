import Foundation
import Testing
import TensorCore

/// Whether `actual` and `expected` agree within `|a - e| <= absolute + relative * |e|` at every
/// element (NumPy's `isclose` rule); NaNs agree with NaNs.
public func isClose(_ actual: Float, _ expected: Float, relative: Float, absolute: Float) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual == expected { return true }
    return Swift.abs(actual - expected) <= absolute + relative * Swift.abs(expected)
}

/// Records an issue unless `actual` has `expected`'s shape and every element is close to the
/// corresponding expected element. Reports the first differing index and its values.
public func assertClose(
    _ actual: Tensor, _ expected: [Float], shape: [Int]? = nil,
    relative: Float = 1e-5, absolute: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if let shape {
        #expect(actual.shape == shape, "shape", sourceLocation: sourceLocation)
    }
    let values = actual.scalars
    guard values.count == expected.count else {
        Issue.record("element count \(values.count) != expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if let index = values.indices.first(where: { !isClose(values[$0], expected[$0], relative: relative, absolute: absolute) }) {
        Issue.record("element \(index): \(values[index]) is not close to \(expected[index]) (relative \(relative), absolute \(absolute))",
                     sourceLocation: sourceLocation)
    }
}

/// `assertClose` against another tensor, which must have the same shape.
public func assertClose(
    _ actual: Tensor, _ expected: Tensor,
    relative: Float = 1e-5, absolute: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    assertClose(actual, expected.scalars, shape: expected.shape, relative: relative, absolute: absolute,
                sourceLocation: sourceLocation)
}

/// `assertClose` for two scalars.
public func assertClose(
    _ actual: Float, _ expected: Float, relative: Float = 1e-5, absolute: Float = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(isClose(actual, expected, relative: relative, absolute: absolute),
            "\(actual) is not close to \(expected)", sourceLocation: sourceLocation)
}
