import Foundation
import Testing
import TensorCore
import TestSupport
import Datasets

/// The example programs as a user runs them: bad input gives one clear line and no training.
@Suite(.serialized) struct CommandLineTests {
    /// Runs `program` with `arguments`; returns its status, standard output and standard error.
    static func run(_ program: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try BuiltProgram.run(program, arguments, environment: extra)
    }

    /// One line on standard error, naming the program, and status 1.
    static func expectOneLine(_ result: (status: Int32, out: String, err: String), containing text: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, sourceLocation: sourceLocation)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("mnist-") && lines[0].contains(text), "stderr: \(result.err)", sourceLocation: sourceLocation)
        #expect(!result.out.contains("trained in"), "it trained before failing", sourceLocation: sourceLocation)
    }

    @Test func helpPrintsTheUsageAndSucceeds() throws {
        for program in ["mnist-core", "mnist-events", "mnist-structured", "mnist-compare"] {
            let result = try Self.run(program, ["--help"])
            #expect(result.status == 0 && result.out.contains("usage: \(program)") && result.out.contains("--batch-size"), "\(program)")
        }
    }

    @Test func hugeNumbersAreRefused() throws {
        Self.expectOneLine(try Self.run("mnist-core", ["--epochs", "9223372036854775807"]), containing: "--epochs needs a whole number from 1 to 100000")
        Self.expectOneLine(try Self.run("mnist-core", ["--batch-size", "9223372036854775807"]), containing: "--batch-size needs a whole number from 1 to 60000")
        Self.expectOneLine(try Self.run("mnist-events", ["--limit", "-5"]), containing: "--limit needs a whole number")
    }

    @Test func outputPathsAreCheckedBeforeTraining() throws {
        Self.expectOneLine(try Self.run("mnist-core", ["--json", "/nonexistent-folder/out.json"]), containing: "the folder /nonexistent-folder does not exist")
        let file = try makeTemporaryFolder() + "/a-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        Self.expectOneLine(try Self.run("mnist-structured", ["--json", "\(file)/out.json"]), containing: "is not a folder")
        Self.expectOneLine(try Self.run("mnist-compare", ["--report", "/nonexistent-folder/r.html"]), containing: "does not exist")
    }

    @Test func devicesAreSupportedOrRefused() throws {
        Self.expectOneLine(try Self.run("mnist-core", ["--devices", "2"]), containing: "--devices is for mnist-events and mnist-structured")
        Self.expectOneLine(try Self.run("mnist-compare", ["--devices", "3"]), containing: "run mnist-events or mnist-structured with --devices")
        // Refused before relaunching under mpirun: one line, not one per rank.
        Self.expectOneLine(try Self.run("mnist-events", ["--devices", "3"]), containing: "--batch-size 64 does not split evenly over --devices 3")
    }

    @Test func aBadCollectiveTimeoutIsOneLine() throws {
        for value in ["-1", "inf", "abc", "nan"] {
            Self.expectOneLine(try Self.run("mnist-events", ["--devices", "2", "--limit", "64"], environment: ["SWIFTTRAIN_COLLECTIVE_TIMEOUT": value]),
                               containing: "SWIFTTRAIN_COLLECTIVE_TIMEOUT: \"\(value)\" is not a number of seconds")
        }
    }

    /// Ctrl-C on `mnist-compare` reaches the run in progress: nothing is left training.
    @Test(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
    func interruptingTheComparisonStopsItsChildRun() throws {
        let marker = UUID().uuidString
        let compare = Process()
        compare.executableURL = BuiltProgram.folder.appendingPathComponent("mnist-compare")
        compare.arguments = ["--model", "cnn", "--epochs", "5"]
        compare.environment = ProcessInfo.processInfo.environment.merging(["SWIFTTRAIN_TEST_MARKER": marker]) { _, new in new }
        compare.standardOutput = FileHandle.nullDevice
        compare.standardError = FileHandle.nullDevice
        try compare.run()
        func marked() -> [Int32] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
                guard pid != getpid(), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
                return String(decoding: environ, as: UTF8.self).contains("SWIFTTRAIN_TEST_MARKER=\(marker)")
            }
        }
        defer { for pid in marked() { kill(pid, SIGKILL) } }
        let deadline = Date().addingTimeInterval(60)
        while marked().count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        try #require(marked().count >= 2, "the child run never started")
        kill(compare.processIdentifier, SIGINT)
        compare.waitUntilExit()
        #expect(compare.terminationReason == .uncaughtSignal && compare.terminationStatus == SIGINT)
        let gone = Date().addingTimeInterval(15)
        while !marked().isEmpty && Date() < gone { Thread.sleep(forTimeInterval: 0.1) }
        #expect(marked().isEmpty, "left running: \(marked())")
    }

    /// The report of a short comparison: the learning-rate range test of both frontends (the
    /// same suggestion, and training unchanged by it), the side-by-side code and the hook tables.
    @Test(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
    func theComparisonReportShowsTheFinderTheCodeAndTheHooks() throws {
        let folder = try makeTemporaryFolder()
        let result = try Self.run("mnist-compare", ["--model", "mlp", "--limit", "1280", "--lr-find", "--report", folder + "/report.html"])
        #expect(result.status == 0 && result.out.contains("bit-identical across the three runs: yes"), "\(result.out)\(result.err)")
        let report = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(report.contains("(the same in every frontend: <b>yes</b>)"))
        #expect(report.contains("<h2>The user code, side by side</h2>") && report.contains("<th style=\"vertical-align:top\">step<br>"))
        #expect(report.contains("<code>onTrainEpochStart</code></td><td style=\"text-align:left\">training engine: epochStarted"))
        #expect(report.contains("milliseconds per training step") && report.contains("confusion matrix (events)"))
    }

    /// The start-up line names the kernels' instruction set, and SWIFTTRAIN_ISA forces a lower one.
    @Test(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"))
    func startUpNamesTheInstructionSet() throws {
        let forced = try Self.run("mnist-core", ["--limit", "64"], environment: ["SWIFTTRAIN_ISA": "baseline"])
        #expect(forced.status == 0 && forced.out.contains("kernels baseline"), "\(forced.out)")
        let native = try Self.run("mnist-core", ["--limit", "64"])
        #expect(native.out.contains("kernels \(InstructionSet.supported)"), "\(native.out)")
    }
}
