import TensorCore
import Foundation

/// The `Summary.Value` messages TensorBoard reads: scalars, histograms with TensorFlow's default
/// bucket layout, text, and the HParams plugin's records.
enum TensorBoardSummary {
    /// An `Event` at `step` holding `values` (each a `Summary.Value`).
    static func event(step: Int, values: [ProtobufMessage], wallTime: Double = Date().timeIntervalSince1970) -> ProtobufMessage {
        var summary = ProtobufMessage()
        for value in values { summary.appendMessage(1, value) }
        var event = ProtobufMessage()
        event.appendDouble(1, wallTime)
        event.appendVarint(2, Int64(step))
        event.appendMessage(5, summary)
        return event
    }

    /// A scalar value (`simple_value`).
    static func scalar(_ tag: String, _ value: Float) -> ProtobufMessage {
        var message = ProtobufMessage()
        message.appendString(1, tag)
        message.appendFloat(2, value)
        return message
    }

    /// The upper edges of TensorFlow's default histogram buckets: ±1e-12 growing by 10% up to
    /// ±1e20, then ±DBL_MAX, mirrored around a bucket that ends at 0.
    static let bucketLimits: [Double] = {
        var positive: [Double] = []
        var limit = 1e-12
        while limit < 1e20 {
            positive.append(limit)
            limit *= 1.1
        }
        positive.append(.greatestFiniteMagnitude)
        return positive.reversed().map { -$0 } + [0] + positive
    }()

    /// A `HistogramProto` of `values`: min, max, count, sum, sum of squares, and the non-empty
    /// buckets of the default layout (an element goes to the first bucket whose edge exceeds it).
    static func histogram(_ tag: String, _ values: [Float]) -> ProtobufMessage {
        var counts: [Int: Double] = [:]
        var minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0, squares = 0.0
        for value in values.map(Double.init) where value.isFinite {
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
            sum += value
            squares += value * value
            // Binary search for the first limit above the value.
            var low = 0, high = bucketLimits.count - 1
            while low < high {
                let middle = (low + high) / 2
                if bucketLimits[middle] > value { high = middle } else { low = middle + 1 }
            }
            counts[low, default: 0] += 1
        }
        let used = counts.keys.sorted()
        var histogram = ProtobufMessage()
        histogram.appendDouble(1, used.isEmpty ? 0 : minimum)
        histogram.appendDouble(2, used.isEmpty ? 0 : maximum)
        histogram.appendDouble(3, Double(used.reduce(0) { $0 + Int(counts[$1]!) }))
        histogram.appendDouble(4, sum)
        histogram.appendDouble(5, squares)
        histogram.appendPackedDoubles(6, used.map { bucketLimits[$0] })
        histogram.appendPackedDoubles(7, used.map { counts[$0]! })
        var message = ProtobufMessage()
        message.appendString(1, tag)
        message.appendMessage(5, histogram)
        return message
    }

    /// Summary metadata naming the plugin that reads a value, with the plugin's own content.
    static func pluginMetadata(_ plugin: String, content: [UInt8] = []) -> ProtobufMessage {
        var pluginData = ProtobufMessage()
        pluginData.appendString(1, plugin)
        if !content.isEmpty { pluginData.appendBytes(2, content) }
        var metadata = ProtobufMessage()
        metadata.appendMessage(1, pluginData)
        return metadata
    }

    /// A text value: a scalar string tensor read by the text plugin.
    static func text(_ tag: String, _ text: String) -> ProtobufMessage {
        let shape = ProtobufMessage()   // no dimensions: a scalar
        var tensor = ProtobufMessage()
        tensor.appendVarint(1, 7)  // DT_STRING
        tensor.appendMessage(2, shape)
        tensor.appendString(8, text)
        var message = ProtobufMessage()
        message.appendString(1, tag)
        message.appendMessage(9, pluginMetadata("text"))
        message.appendMessage(8, tensor)
        return message
    }
}
