import Events
import Metrics
import TensorCore

/// The logged values of one stage (training, validation or test) and how they combine.
final class LogResults {
    struct Entry {
        var onStep: Bool, onEpoch: Bool, reduction: LogReduction, progressBar: Bool, logger: Bool, sync: Bool
        var total = 0.0, weight = 0.0, extreme: Double?
        var metric: (any Metric)?
    }
    private(set) var entries: [String: Entry] = [:]
    private(set) var order: [String] = []

    func record(_ name: String, value: Float?, metric: (any Metric)?, entry template: Entry, batchSize: Int) {
        if entries[name] == nil {
            entries[name] = template
            order.append(name)
        }
        guard let value else { entries[name]!.metric = metric; return }
        let v = Double(value)
        switch entries[name]!.reduction {
        case .mean:
            entries[name]!.total += v * Double(batchSize)
            entries[name]!.weight += Double(batchSize)
        case .sum:
            entries[name]!.total += v
            entries[name]!.weight = 1
        case .max:
            entries[name]!.extreme = Swift.max(entries[name]!.extreme ?? -.infinity, v)
            entries[name]!.weight = 1
        case .min:
            entries[name]!.extreme = Swift.min(entries[name]!.extreme ?? .infinity, v)
            entries[name]!.weight = 1
        }
    }

    /// The epoch-level values (`name` or `name_epoch` when also logged per step), reduced across
    /// processes where asked; logged metric objects are computed and reset.
    func epochValues(communicator: any Communicator) throws -> (all: [String: Float], progressBar: Set<String>, logger: Set<String>) {
        var values: [String: Float] = [:], bar = Set<String>(), logger = Set<String>()
        for name in order {
            let entry = entries[name]!
            guard entry.onEpoch else { continue }
            let key = entry.onStep ? "\(name)_epoch" : name
            var value: Float
            if let metric = entry.metric {
                value = try (entry.sync || communicator.worldSize > 1 ? metric.compute(over: communicator) : metric.compute()).scalar
                metric.reset()
            } else {
                var pair: [Double]
                switch entry.reduction {
                case .mean, .sum: pair = [entry.total, entry.weight]
                case .max, .min: pair = [entry.extreme ?? .nan, 1]
                }
                if entry.sync {
                    switch entry.reduction {
                    case .mean, .sum: try communicator.allReduce(&pair, operation: .sum)
                    case .max: try communicator.allReduce(&pair, operation: .max)
                    case .min: try communicator.allReduce(&pair, operation: .min)
                    }
                }
                value = Float(entry.reduction == .mean ? pair[0] / pair[1] : pair[0])
            }
            values[key] = value
            if entry.progressBar { bar.insert(key) }
            if entry.logger { logger.insert(key) }
        }
        return (values, bar, logger)
    }

    func reset() {
        for name in order where entries[name]!.metric == nil {
            entries[name]!.total = 0
            entries[name]!.weight = 0
            entries[name]!.extreme = nil
        }
    }
}
