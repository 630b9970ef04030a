import Foundation
import Testing
import Events
import TensorCore
import TestSupport

/// What we write for TensorBoard, read back by TensorBoard's own `EventAccumulator`
/// (`Interop/read_tensorboard.py`, run in the interop venv).
@Suite(.enabled(if: InteropVenv.path != nil, Comment(rawValue: InteropVenv.skipMessage)))
struct TensorBoardInteropTests {
    struct Read: Decodable {
        let scalars: [String: [[Double]]]
        let histograms: [String: [[Double]]]
        let text: [String: [[Value]]]
        let hparams: HParams

        struct HParams: Decodable {
            let experiment: Experiment?
            let session_start: [String: Value]?
            let session_end_status: Int?
        }
        struct Experiment: Decodable { let hparams: [String]; let metrics: [String] }
        enum Value: Decodable, Equatable {
            case number(Double), text(String)
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
            }
        }
    }

    func read(_ folder: String) throws -> Read {
        try JSONDecoder().decode(Read.self, from: Data(try InteropVenv.run("Interop/read_tensorboard.py", [folder]).utf8))
    }

    @Test func tensorBoardReadsEveryKindOfRecord() throws {
        let root = try makeTemporaryFolder()
        let logger = try TensorBoardLogger(root: root, name: "run")
        for step in 1...3 { try logger.log(["loss": Float(4 - step), "accuracy": Float(step) / 4], step: step) }
        try logger.logHistogram("weights/fc", values: Tensor([-2, -0.5, 0, 0.25, 0.25, 3]), step: 3)
        try logger.logText("sample", text: "To be, or not to be", step: 3)
        try logger.logHyperparameters(["lr": "0.001", "optimizer": "AdamW"], finalMetrics: ["accuracy": 0.75], step: 3)
        try logger.finish(succeeded: true)
        #expect(logger.directory == "\(root)/run/version_0")
        #expect(logger.eventFilePath?.contains("/events.out.tfevents.") == true)

        let board = try read(logger.directory)
        #expect(board.scalars["loss"]?.map { $0[0] } == [1, 2, 3])
        #expect(board.scalars["loss"]?.map { $0[1] } == [3, 2, 1])
        #expect(board.scalars["accuracy"]?.last == [3, 0.75])
        let histogram = try #require(board.histograms["weights/fc"]?.first)
        #expect(histogram == [3, -2, 3, 6, 1, 6])   // step, min, max, count, sum, bucket total
        #expect(board.text["sample"]?.first == [.number(3), .text("To be, or not to be")])
        #expect(board.hparams.experiment?.hparams == ["lr", "optimizer"])
        #expect(board.hparams.experiment?.metrics == ["accuracy"])
        #expect(board.hparams.session_start == ["lr": .number(0.001), "optimizer": .text("AdamW")])
        #expect(board.hparams.session_end_status == 1)
    }

    @Test func aFileCutInsideARecordStillReadsUpToTheLastWholeOne() throws {
        let root = try makeTemporaryFolder()
        let logger = try TensorBoardLogger(root: root, name: "cut")
        for step in 1...20 { try logger.log(["loss": Float(step)], step: step) }
        try logger.flush()
        let path = try #require(logger.eventFilePath)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var generator = RandomGenerator(seed: 11)
        for _ in 0..<3 {
            // Somewhere inside the last third of the file: the records before the cut must read.
            let cut = bytes.count * 2 / 3 + Int(generator.next() % UInt64(bytes.count / 3 - 1))
            let folder = try makeTemporaryFolder("cut\(cut)")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: "\(folder)/\((path as NSString).lastPathComponent)"))
            let steps = try read(folder).scalars["loss"]?.map { Int($0[0]) } ?? []
            #expect(!steps.isEmpty && steps == Array(1...steps.count) && steps.count < 20, "cut at \(cut): \(steps)")
        }
    }

    @Test func anEventsRunLogsScalarsAndHistogramsEachEpoch() throws { try withRandomScope(seed: 2) {
        let root = try makeTemporaryFolder()
        let model = makeClassifier()
        let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.02))
        let logger = try TensorBoardLogger(root: root, name: "events")
        logger.attach(to: trainer, at: .epochCompleted) { ["train_loss": $0.state.output!] }
        logger.attachHistograms(of: model, to: trainer)
        try trainer.run(DataLoader(syntheticData(), batchSize: 16), maxEpochs: 3)
        let board = try read(logger.directory)
        #expect(board.scalars["train_loss"]?.map { Int($0[0]) } == [6, 12, 18])
        #expect(board.histograms["weights/0.weight"]?.count == 3)
        #expect(board.histograms["gradients/3.bias"]?.first?[3] == 3)   // three gradient values
    }}
}
