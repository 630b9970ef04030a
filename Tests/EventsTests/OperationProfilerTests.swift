import Foundation
import Testing
import Events
import Metrics
import TensorCore

/// Time per operation and layer inside the steps (what torch.profiler gives), through the run
/// profiler of an Events engine: the rows explain the step time, products and convolutions carry
/// their FLOPs, and the trace puts the operations on their own track.
@Suite(.serialized) struct OperationProfilerTests {
    final class SmallCNN: Module {
        let conv = Conv2D(inChannels: 1, outChannels: 4, kernelSize: 3)
        let fc = Linear(inFeatures: 4 * 13 * 13, outFeatures: 10)
        var isTraining = true
        var children: [(String, any Module)] { [("conv", conv), ("fc", fc)] }
        func callAsFunction(_ x: Tensor) -> Tensor {
            let hidden = relu(maxPool2D(conv(x), kernelSize: 2))
            return fc(hidden.reshaped(to: [x.shape[0], -1]))
        }
    }

    func profiledRun(steps: Int) throws -> (RunProfiler, OperationProfiler) {
        try withRandomScope(seed: 4) {
            let model = SmallCNN()
            let operations = OperationProfiler()
            operations.nameLayers(of: model)
            let profiler = RunProfiler(operations: operations)
            let data = TensorDataset(inputs: Tensor(randomNormal: [32 * steps, 1, 28, 28]), labels: Tensor((0..<(32 * steps)).map { Float($0 % 10) }))
            let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.01), options: SupervisedOptions())
            trainer.name = "training"
            trainer.profiler = profiler
            try trainer.run(DataLoader(data, batchSize: 32), maxEpochs: 1)
            return (profiler, operations)
        }
    }

    /// The accounting, not the clock: how much of a step operations explain depends on the
    /// machine's load (measured on a real MNIST epoch for the notes), but every nanosecond of a
    /// profiled step lands in exactly one row, and the rest of the step span is outside it.
    @Test func operationsAccountForTheStepWithTheirLayersAndFLOPs() throws {
        let (profiler, operations) = try profiledRun(steps: 8)
        let steps = profiler.summary().first { $0.name == "training step" }
        let stepSeconds = try #require(steps?.totalSeconds)
        let region = operations.seconds(of: "training step")
        #expect(region > 0 && region <= stepSeconds, "the profiled region lies inside the step spans")
        let rows = operations.summary().filter { $0.region == "training step" }
        let all = rows.reduce(0) { $0 + $1.totalSeconds }
        #expect(abs(all - region) <= 1e-6, "every nanosecond of the region is charged once: \(all) s of \(region) s")
        #expect(rows.filter { $0.pass == .other }.allSatisfy { $0.operation == "(between operations)" })
        let charged = rows.filter { $0.pass != .other }.reduce(0) { $0 + $1.totalSeconds }
        #expect(abs(operations.coverage(of: "training step") - charged / region) <= 1e-9)

        let convolution = try #require(rows.first { $0.operation == "conv2D" && $0.pass == .forward })
        #expect(convolution.layer == "conv" && convolution.calls == 8)
        // 2 · (32 · 4 · 26 · 26 outputs) · (1 · 3 · 3 taps) per call.
        #expect(convolution.flops == 8 * 2 * Double(32 * 4 * 26 * 26) * 9)
        let linearForward = try #require(rows.first { $0.operation == "linear" && $0.pass == .forward })
        #expect(linearForward.layer == "fc" && linearForward.flops == 8 * 2 * Double(32 * 10) * 676 && linearForward.gigaflopsPerSecond > 0)
        let linearBackward = try #require(rows.first { $0.operation == "linear" && $0.pass == .backward })
        #expect(linearBackward.flops == 2 * linearForward.flops, "the input's and the weight's gradients")
        let convolutionBackward = try #require(rows.first { $0.operation == "conv2D" && $0.pass == .backward })
        #expect(convolutionBackward.flops == convolution.flops, "the image needs no gradient: the weight's only")
        #expect(rows.contains { $0.operation == "SGD.step" && $0.pass == .update && $0.calls == 8 })
        #expect(rows.contains { $0.operation == "relu" && $0.pass == .backward && $0.layer == nil })
        #expect(profiler.summaryTable().contains("operations in training step"))
    }

    @Test func theTraceAndJSONCarryTheOperations() throws {
        let (profiler, _) = try profiledRun(steps: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("operations-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try profiler.writeTrace(to: "\(folder)/trace.json")
        try profiler.writeJSON(to: "\(folder)/profile.json")
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/trace.json"))) as! [String: Any]
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        let operations = events.filter { $0["tid"] as? Int == 2 }
        #expect(Set(operations.compactMap { $0["cat"] as? String }) == ["forward", "backward", "update"])
        let steps = events.filter { $0["cat"] as? String == "step" }
        for operation in operations {
            let start = operation["ts"] as! Double, end = start + (operation["dur"] as! Double)
            #expect(steps.contains { step in
                let stepStart = step["ts"] as! Double
                return start >= stepStart - 1 && end <= stepStart + (step["dur"] as! Double) + 1
            }, "each operation lies inside a step (µs rounding aside)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/profile.json"))) as! [String: Any]
        #expect((summary["operations"] as? [[String: Any]])?.isEmpty == false)
        let coverage = try #require((summary["operation_coverage"] as? [String: Double])?["training step"])
        #expect(coverage > 0 && coverage <= 1)
    }

    /// Off (no run profiler with operations), nothing is recorded.
    @Test func nothingIsRecordedOutsideAProfile() {
        let operations = OperationProfiler()
        _ = relu(Tensor(randomNormal: [4, 4], seed: 1))
        #expect(operations.summary().isEmpty)
    }
}
