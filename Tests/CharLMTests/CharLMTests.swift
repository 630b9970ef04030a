import CharLM
import Datasets
import Foundation
import Testing
import TensorCore
import TestSupport

/// The character-level GPT on the real corpus: the three frontends agree bit for bit, a
/// resumed run continues exactly (its random windows included), and bad input is refused.
@Suite(.enabled(if: shakespearePath != nil, "needs ../shared/data/shakespeare/tragedies.txt"), .serialized)
struct CharLMTests {
    /// The reference configuration on the real corpus, with a short evaluation and sample.
    func options(_ frontend: CharFrontend, steps: Int) -> CharOptions {
        var options = CharOptions()
        options.frontend = frontend
        options.dataPath = shakespearePath!
        options.steps = steps
        options.seed = 3
        options.sampleLength = 40
        options.validationBatches = 4
        return options
    }

    @Test func threeFrontendsTrainToTheSameWeightsAfter200Steps() throws {
        let runs = try CharFrontend.allCases.map { frontend in
            try withRandomScope(seed: 0) { try runCharLM(options(frontend, steps: 200)) }
        }
        #expect(Set(runs.map(\.record.weightsCRC32)).count == 1, "\(runs.map(\.record.weightsCRC32))")
        #expect(Set(runs.map(\.record.validationLoss)).count == 1)
        #expect(Set(runs.map(\.sample)).count == 1)
        #expect(runs[0].record.parameters == 820_224)   // chargpt_torch.py's count
        #expect(runs[0].record.validationLoss < 3.0, "200 steps should be well below the uniform 4.29")
    }

    @Test func theRecurrentModelTrainsIdenticallyUnderEachFrontend() throws {
        let runs = try CharFrontend.allCases.map { frontend in
            var gru = options(frontend, steps: 20)
            gru.model = .gru
            gru.configuration.layers = 2
            return try withRandomScope(seed: 0) { try runCharLM(gru) }
        }
        #expect(Set(runs.map(\.record.weightsCRC32)).count == 1)
        #expect(runs[0].record.model == "gru" && runs[0].record.validationLoss < 4.0)
    }

    @Test(arguments: CharFrontend.allCases)
    func resumingFromACheckpointContinuesExactly(_ frontend: CharFrontend) throws {
        let folder = try makeTemporaryFolder("resume-\(frontend.rawValue)")
        var small = options(frontend, steps: 12)
        small.configuration = GPTConfiguration(layers: 2, heads: 2, width: 32, context: 16)
        small.batchSize = 4
        small.checkpointEvery = 6
        small.checkpointDirectory = folder
        let straight = try withRandomScope(seed: 0) { try runCharLM(small) }
        var resumed = small
        resumed.checkpointEvery = nil
        resumed.resumePath = "\(folder)/step=6.ckpt"
        let continued = try withRandomScope(seed: 0) { try runCharLM(resumed) }
        #expect(continued.record.steps == 6)
        #expect(continued.record.weightsCRC32 == straight.record.weightsCRC32)
        #expect(continued.sample == straight.sample)
    }

    @Test func badCorporaThrowOneClearError() throws {
        let folder = try makeTemporaryFolder()
        let empty = "\(folder)/empty.txt", short = "\(folder)/short.txt"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        _ = FileManager.default.createFile(atPath: short, contents: Data(String(repeating: "ab", count: 100).utf8))
        #expect(throws: DataError.self) { try TextCorpus(contentsOf: "\(folder)/missing.txt", context: 64) }
        #expect(throws: DataError.corpusTooShort(file: empty, characters: 0, needed: 641)) { try TextCorpus(contentsOf: empty, context: 64) }
        #expect(throws: DataError.corpusTooShort(file: short, characters: 200, needed: 641)) { try TextCorpus(contentsOf: short, context: 64) }
        let known = CharacterVocabulary(of: Array("ab".utf8))
        #expect(throws: DataError.unknownCharacter(file: shakespearePath!, byte: UInt8(ascii: "H"), offset: 0)) {
            try TextCorpus(contentsOf: shakespearePath!, context: 64, vocabulary: known)
        }
    }

    @Test func windowsArePureFunctionsOfSeedAndIndex() {
        let tokens = (0..<1000).map { Int32($0 % 50) }
        let windows = TokenWindowDataset(tokens: tokens, context: 8, windows: 100, seed: 9)
        let batch = windows.batch(at: [3, 7])
        #expect(batch.inputs.shape == [2, 8])
        #expect(Array(batch.targets.values[0..<7]) == Array(batch.inputs.values[1..<8]))
        #expect(windows.batch(at: [7]).inputs.values == Array(batch.inputs.values[8..<16]))
        #expect(TokenWindowDataset(tokens: tokens, context: 8, windows: 100, seed: 10).start(ofWindow: 3) != windows.start(ofWindow: 3)
                || TokenWindowDataset(tokens: tokens, context: 8, windows: 100, seed: 10).start(ofWindow: 4) != windows.start(ofWindow: 4))
    }

    @Test func samplingIsSeededAndHonoursTopK() {
        let logits = Tensor([0, 5, 1, 4, -2])
        var first = RandomGenerator(seed: 1), second = RandomGenerator(seed: 1)
        let a = (0..<50).map { _ in sampleIndex(fromLogits: logits, options: SamplingOptions(temperature: 0.8, topK: 2), using: &first) }
        let b = (0..<50).map { _ in sampleIndex(fromLogits: logits, options: SamplingOptions(temperature: 0.8, topK: 2), using: &second) }
        #expect(a == b)
        #expect(Set(a).isSubset(of: [1, 3]) && Set(a).count == 2)
    }
}

/// The corpus of the character-level model, beside the checkout.
let shakespearePath: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let besideCheckout = root.appendingPathComponent("../shared/data/shakespeare/tragedies.txt").standardized.path
    let candidates: [String] = [ProcessInfo.processInfo.environment["SHAKESPEARE_FILE"], besideCheckout].compactMap { $0 }
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}()

/// `char-lm` as a user runs it: bad input gives one line on standard error, status 1, and no
/// JSON record.
@Suite(.enabled(if: shakespearePath != nil, "needs ../shared/data/shakespeare/tragedies.txt"), .serialized)
struct CharLMCommandLineTests {
    func expectRefusal(_ arguments: [String], containing text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let json = try makeTemporaryFolder() + "/run.jsonl"
        let result = try BuiltProgram.run("char-lm", arguments + ["--json", json], sourceLocation: sourceLocation)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("char-lm: ") && lines[0].contains(text), "stderr: \(result.err)", sourceLocation: sourceLocation)
        #expect(result.out.isEmpty, "stdout: \(result.out)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: json), "a JSON record was written", sourceLocation: sourceLocation)
    }

    @Test func badInputIsRefusedBeforeTraining() throws {
        let folder = try makeTemporaryFolder()
        let empty = "\(folder)/empty.txt", short = "\(folder)/short.txt"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        _ = FileManager.default.createFile(atPath: short, contents: Data(String(repeating: "to be ", count: 20).utf8))
        try expectRefusal(["--data", "\(folder)/missing.txt"], containing: "missing.txt not found")
        try expectRefusal(["--data", empty], containing: "the corpus is empty")
        try expectRefusal(["--data", short], containing: "the corpus has 120 characters; it needs at least 641")
        try expectRefusal(["--data", shakespearePath!, "--steps", "0"], containing: "--steps needs a whole number from 1")
        try expectRefusal(["--data", shakespearePath!, "--prompt", String(repeating: "a", count: 65)],
                          containing: "--prompt has 65 characters but the model reads at most --context 64")
        try expectRefusal(["--data", shakespearePath!, "--model", "lstm"], containing: "unknown model lstm; use gpt or gru")
    }

    @Test func aCheckpointRefusesTextOutsideItsVocabulary() throws {
        let folder = try makeTemporaryFolder()
        let small = ["--layers", "1", "--heads", "1", "--width", "8", "--context", "8", "--batch-size", "2", "--sample", "0",
                     "--validation-batches", "1"]
        let saved = try BuiltProgram.run("char-lm", ["--data", shakespearePath!, "--steps", "2", "--checkpoint-every", "1",
                                                     "--checkpoint-dir", folder] + small)
        #expect(saved.status == 0, "\(saved.err)")
        let other = "\(folder)/other.txt"
        _ = FileManager.default.createFile(atPath: other, contents: Data(String(repeating: "~~ ~~ ", count: 200).utf8))
        try expectRefusal(["--data", other, "--steps", "4", "--resume", "\(folder)/step=1.ckpt"] + small,
                          containing: "byte 126 at offset 0 is not in the vocabulary")
    }
}

/// The character-level models exported to ONNX and run by onnxruntime (interop venv): the same
/// logits as our forward pass for int64 token ids, at batch sizes 1 and 7.
@Suite(.enabled(if: InteropVenv.path != nil, Comment(rawValue: InteropVenv.skipMessage)))
struct CharModelONNXTests {
    @Test func theGPTRunsInOnnxRuntime() throws {
        let configuration = GPTConfiguration(layers: 2, heads: 4, width: 32, context: 16)
        let model = withRandomScope(seed: 5) { CharGPT(vocabularySize: 20, configuration: configuration) }
        let path = try makeTemporaryFolder() + "/gpt.onnx"
        try model.exportONNX(to: URL(fileURLWithPath: path), inputShape: [1, 16])
        for batch in [1, 7] {
            var generator = RandomGenerator(seed: UInt64(batch))
            let ids = (0..<(batch * 16)).map { _ in Int(generator.next() % 20) }
            let tokens = IndexTensor(ids, shape: [batch, 16])
            model.eval()
            let ours = withoutGradient { model(tokens) }
            let input = try makeTemporaryFolder() + "/ids.bin"
            try Data(ids.flatMap { littleEndianBytes(UInt64(bitPattern: Int64($0)), count: 8) }).write(to: URL(fileURLWithPath: input))
            struct Result: Decodable { let shape: [Int]; let output: [Float] }
            let output = try InteropVenv.run("../ComparisonTests/Interop/onnx_run.py", [path, input, "\(batch),16", "int64"])
            let theirs = try JSONDecoder().decode(Result.self, from: Data(output.utf8))
            assertClose(Tensor(theirs.output, shape: theirs.shape), ours.scalars, shape: ours.shape, relative: 1e-5, absolute: 1e-5)
        }
    }

    @Test func theRecurrentModelNamesWhatItCannotExport() throws {
        let model = withRandomScope(seed: 5) { CharGRU(vocabularySize: 20, configuration: GPTConfiguration(layers: 1, width: 8, context: 4)) }
        #expect(throws: ONNXExportError.self) { try model.onnxModel(inputShape: [1, 4]) }
    }
}
