import Foundation

/// Time per operation of the core, forward and backward, per operation kind and per layer, with
/// the floating-point operations of products and convolutions and the rate they ran at: what
/// `torch.profiler` gives a PyTorch user.
///
/// A profiler counts only inside ``profile(region:_:)``, so it sees the training steps and not
/// what runs between them. There the time is split at operation boundaries: each forward
/// operation is charged the time since the previous one ended (its kernel and the user code
/// that led to it), each backward node the time since the previous node finished, and work
/// timed with ``measure(_:_:)`` (the optimizer update) its own duration. What falls between
/// these (hooks, loss scaling) is charged to `(other)`. So the rows add up to the region's time,
/// and ``coverage(of:)`` says how much of it operations explain.
///
/// The layer of an operation is the module owning a parameter among its inputs (`conv1` for
/// `conv1.weight`), named from the model given to ``nameLayers(of:)``. With no profiler
/// profiling, each operation costs one load and one comparison.
///
/// ```swift
/// let operations = OperationProfiler()
/// operations.nameLayers(of: model)
/// for batch in loader.batches(epoch: 0) {
///     operations.profile(region: "step") {
///         let loss = crossEntropy(logits: model(batch.inputs), labels: batch.labels)
///         optimizer.zeroGradients()
///         loss.backward()
///         OperationProfiler.measure("Adam.step") { optimizer.step() }
///     }
/// }
/// print(operations.summaryTable())
/// ```
public final class OperationProfiler: @unchecked Sendable {
    /// Which part of a step an operation belongs to.
    public enum Pass: String, Sendable, Codable {
        /// The forward computation.
        case forward
        /// Backpropagation: one node's pullback and the gradients it passes on.
        case backward
        /// Work timed with ``measure(_:_:)``: optimizer updates, gradient synchronization.
        case update
        /// Time between operations that none of them explains.
        case other
    }

    /// The totals of one operation kind in one layer, pass and region.
    public struct Row: Sendable, Codable, Equatable {
        /// The region (``profile(region:_:)``) it ran in.
        public let region: String
        /// Forward, backward, update or other.
        public let pass: Pass
        /// The operation kind (`conv2D`, `linear`, `relu`...).
        public let operation: String
        /// The layer owning a parameter among the inputs, if any.
        public let layer: String?
        /// How many times it ran.
        public let calls: Int
        /// Total seconds.
        public let totalSeconds: Double
        /// Floating-point operations (multiply and add counted apart) of products and
        /// convolutions; 0 for other kinds.
        public let flops: Double
        /// `flops` per second, in billions (0 without FLOPs).
        public var gigaflopsPerSecond: Double { totalSeconds > 0 ? flops / totalSeconds / 1e9 : 0 }
    }

    private struct Key: Hashable { let region: String, pass: Pass, operation: String, layer: String? }
    private struct Total { var calls = 0, nanoseconds: UInt64 = 0, flops = 0.0 }
    /// One timed operation, for a trace.
    public struct Span: Sendable {
        /// The operation and its layer.
        public let name: String
        /// Its pass.
        public let pass: Pass
        /// Its start on the system's monotonic clock (`DispatchTime.uptimeNanoseconds`).
        public let uptimeStart: UInt64
        /// Its duration in nanoseconds.
        public let duration: UInt64
    }

    /// The profiler counting in this task, if any (bound only inside ``profile(region:_:)``;
    /// task-local, so parallel runs never charge each other's operations).
    static var active: OperationProfiler? { OperationContext.current.profiler }
    /// The profiler counting in this task now, if any.
    package static var current: OperationProfiler? { active }

    private var totals: [Key: Total] = [:]
    private var regionNanoseconds: [String: UInt64] = [:]
    private var layerOfParameter: [ObjectIdentifier: String] = [:]
    private var region = ""
    private var mark: UInt64 = 0
    private var inBackward = false
    /// The first ``spanLimit`` operations, names interned: a string kept per operation would be
    /// a small long-lived allocation between the step's large buffers, which fragments the heap.
    private var records: [(name: Int32, pass: Pass, uptimeStart: UInt64, duration: UInt64)] = []
    private var spanNames: [String] = []
    private var spanNameIndices: [Key: Int32] = [:]

    /// The first ``spanLimit`` operations, for a trace.
    public var spans: [Span] {
        records.map { Span(name: spanNames[Int($0.name)], pass: $0.pass, uptimeStart: $0.uptimeStart, duration: $0.duration) }
    }
    /// How many operations the trace keeps (the totals count all).
    public let spanLimit: Int

    /// An empty profiler keeping up to `spanLimit` operations for a trace.
    public init(spanLimit: Int = 50_000) { self.spanLimit = spanLimit }

    /// Names layers after `model`'s modules: an operation with `conv1.weight` among its inputs
    /// belongs to `conv1`.
    public func nameLayers(of model: any Module) {
        for (name, parameter) in model.namedParameters {
            let layer = name.split(separator: ".").dropLast().joined(separator: ".")
            layerOfParameter[ObjectIdentifier(parameter)] = layer.isEmpty ? name : layer
        }
    }

    /// Runs `body` with this profiler counting, its operations charged to `region`.
    public func profile<T>(region name: String, _ body: () throws -> T) rethrows -> T {
        let outerRegion = region
        let start = DispatchTime.now().uptimeNanoseconds
        region = name
        mark = start
        defer {
            let end = now()
            charge(operation: "(between operations)", layer: nil, pass: .other, until: end)
            regionNanoseconds[name, default: 0] += end - start
            region = outerRegion
        }
        return try OperationContext.with({ $0.profiler = self }, body)
    }

    /// Runs `body`, charging its time to `name` in the update pass when a profiler counts (the
    /// time before it goes to `(other)`).
    public static func measure<T>(_ name: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        try measure(name(), by: active, body)
    }

    /// ``measure(_:_:)`` charging to `profiler`, the ``current`` one looked up once by a caller
    /// that measures several parts of a step: each lookup of a task-local value walks the
    /// task's bindings.
    package static func measure<T>(_ name: @autoclosure () -> String, by profiler: OperationProfiler?, _ body: () throws -> T) rethrows -> T {
        guard let profiler else { return try body() }
        profiler.charge(operation: "(between operations)", layer: nil, pass: .other, until: profiler.now())
        defer { profiler.charge(operation: name(), layer: nil, pass: .update, until: profiler.now()) }
        return try body()
    }

    // MARK: Called by the autograd

    /// A forward operation ended: `output` was computed from `inputs`.
    func forwardEnded(_ operation: String, inputs: [Tensor], output: Tensor) {
        // Operations inside pullbacks belong to their backward node.
        guard !inBackward else { return }
        charge(operation: operation, layer: layer(of: inputs), pass: .forward, until: now(),
               flops: Self.flops(operation, inputs: inputs, output: output, backward: false))
    }

    /// Backward starts: the time since the last operation is `(other)`.
    func backwardStarted() {
        charge(operation: "(between operations)", layer: nil, pass: .other, until: now())
        inBackward = true
    }

    /// One backward node finished.
    func backwardNodeEnded(_ operation: String, inputs: [Tensor], output: Tensor) {
        charge(operation: operation, layer: layer(of: inputs), pass: .backward, until: now(),
               flops: Self.flops(operation, inputs: inputs, output: output, backward: true))
    }

    /// Backward ended; the remaining time went to leaves' gradients.
    func backwardEnded() {
        charge(operation: "accumulate gradients", layer: nil, pass: .backward, until: now())
        inBackward = false
    }

    private func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private func layer(of inputs: [Tensor]) -> String? {
        guard !layerOfParameter.isEmpty else { return nil }
        for input in inputs { if let layer = layerOfParameter[ObjectIdentifier(input)] { return layer } }
        return nil
    }

    private func charge(operation: String, layer: String?, pass: Pass, until end: UInt64, flops: Double = 0) {
        let duration = end > mark ? end - mark : 0
        if pass != .other || duration > 0 {
            let key = Key(region: region, pass: pass, operation: operation, layer: layer)
            var total = totals[key] ?? Total()
            total.calls += 1
            total.nanoseconds += duration
            total.flops += flops
            totals[key] = total
            if records.count < spanLimit, pass != .other {
                let name = spanNameIndices[key] ?? {
                    spanNames.append(layer.map { "\(operation) \($0)" } ?? operation)
                    spanNameIndices[key] = Int32(spanNames.count - 1)
                    return Int32(spanNames.count - 1)
                }()
                records.append((name, pass, mark, duration))
            }
        }
        mark = end
    }

    /// Multiply-adds times 2 of products and convolutions; a backward pass computes one product
    /// per input that needs a gradient.
    static func flops(_ operation: String, inputs: [Tensor], output: Tensor, backward: Bool) -> Double {
        let forward: Double
        switch operation {
        case "linear", "matmul":
            guard inputs.count >= 2, let inner = inputs[0].shape.last else { return 0 }
            forward = 2 * Double(output.scalarCount) * Double(inner)
        case "conv2D":
            guard inputs.count >= 2, inputs[1].rank == 4 else { return 0 }
            let weight = inputs[1].shape
            forward = 2 * Double(output.scalarCount) * Double(weight[1] * weight[2] * weight[3])
        default:
            return 0
        }
        return backward ? forward * Double(inputs.prefix(2).filter(\.requiresGradient).count) : forward
    }

    // MARK: Results

    /// Seconds spent inside ``profile(region:_:)`` for `region`.
    public func seconds(of region: String) -> Double { Double(regionNanoseconds[region] ?? 0) / 1e9 }

    /// The share of `region`'s time charged to operations (every pass but `other`).
    public func coverage(of region: String) -> Double {
        let charged = summary().filter { $0.region == region && $0.pass != .other }.reduce(0) { $0 + $1.totalSeconds }
        return charged / max(seconds(of: region), 1e-12)
    }

    /// One row per region, pass, operation and layer, the most expensive first.
    public func summary() -> [Row] {
        totals.map { key, total in
            Row(region: key.region, pass: key.pass, operation: key.operation, layer: key.layer, calls: total.calls,
                totalSeconds: Double(total.nanoseconds) / 1e9, flops: total.flops)
        }.sorted { ($0.totalSeconds, $1.operation, $1.layer ?? "") > ($1.totalSeconds, $0.operation, $0.layer ?? "") }
    }

    /// The summary as text, one table per region, with the coverage of each region.
    public func summaryTable() -> String {
        let rows = summary()
        var lines: [String] = []
        for region in Set(rows.map(\.region)).sorted() {
            let total = seconds(of: region)
            lines.append(String(format: "operations in %@: %.4f s, %.1f%% of it charged to operations", region, total, coverage(of: region) * 100))
            let operationWidth = max(22, (rows.map(\.operation.count).max() ?? 0) + 2)
            let layerWidth = max(8, (rows.compactMap(\.layer?.count).max() ?? 0) + 2)
            lines.append("pass      " + "operation".padding(toLength: operationWidth, withPad: " ", startingAt: 0)
                + "layer".padding(toLength: layerWidth, withPad: " ", startingAt: 0) + "   calls     total s     mean ms   share   GFLOP/s")
            for row in rows where row.region == region {
                lines.append(row.pass.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + row.operation.padding(toLength: operationWidth, withPad: " ", startingAt: 0)
                    + (row.layer ?? "-").padding(toLength: layerWidth, withPad: " ", startingAt: 0)
                    + String(format: "%8d  %10.4f  %10.4f  %5.1f%%  ", row.calls, row.totalSeconds, row.totalSeconds / Double(max(row.calls, 1)) * 1e3,
                             row.totalSeconds / max(total, 1e-12) * 100)
                    + (row.flops > 0 ? String(format: "%8.1f", row.gigaflopsPerSecond) : "       -"))
            }
        }
        return lines.joined(separator: "\n")
    }
}
