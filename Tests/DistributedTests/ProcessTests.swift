import Foundation
import Testing
import Distributed
import Events
import TensorCore
import TestSupport
import OpenMPI

/// Programs run by ``ProcessTests`` in child processes: this test binary started again (under
/// `mpirun`, or as a launcher), with `SWIFTTRAIN_SCENARIO` naming what to do.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SWIFTTRAIN_SCENARIO"] != nil, "run by ProcessTests only"))
struct ProcessScenarios {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Trains data-parallel until stopped; rank 1 calls `exit(0)` at iteration 3 for "rank-exit".
    func trainForever(_ world: any Communicator, exitingRank: Int?) throws {
        let model = makeNetwork()
        let trainer = supervisedTrainer(model: model, optimizer: SGD(for: model, learningRate: 0.01),
                                        options: SupervisedOptions(communicator: world))
        let folder = Self.environment["SWIFTTRAIN_SCENARIO_DIR"] ?? NSTemporaryDirectory()
        trainer.on(.iterationCompleted(once: [2])) { _ in
            _ = FileManager.default.createFile(atPath: "\(folder)/rank-\(world.rank)-training", contents: nil)
        }
        if let exitingRank, world.rank == exitingRank {
            trainer.on(.iterationCompleted(once: [3])) { _ in exit(0) }
        }
        try trainer.run(DataLoader(syntheticData(), batchSize: 8).sharded(rank: world.rank, worldSize: world.worldSize), maxEpochs: Int.max)
    }

    @Test func scenario() throws {
        switch Self.environment["SWIFTTRAIN_SCENARIO"] {
        case "rank-exit": try trainForever(try MPICommunicator.world(), exitingRank: 1)
        case "launch": try trainForever(try DataParallelLauncher.launch(devices: 2), exitingRank: nil)
        default: Issue.record("unknown scenario")
        }
    }
}

/// Whole-process behaviour: a rank's `exit()` aborts the job, Ctrl-C reaches every rank.
@Suite(.enabled(if: !DataParallelLauncher.isLaunchedByMPI && FileManager.default.isExecutableFile(atPath: "/usr/bin/mpirun"), "needs mpirun"),
       .serialized)
struct ProcessTests {
    /// This test binary.
    static var testBinary: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }

    static func scenario(_ name: String, folder: String, marker: String, underMPI: Bool) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let test = [testBinary, "--testing-library", "swift-testing", "--filter", "ProcessScenarios"]
        process.arguments = underMPI ? DataParallelLauncher.mpirunArguments(devices: 2, program: test[0], arguments: Array(test.dropFirst())) : test
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFTTRAIN_SCENARIO"] = name
        environment["SWIFTTRAIN_SCENARIO_DIR"] = folder
        environment["SWIFTTRAIN_SCENARIO_MARKER"] = marker
        environment["SWIFTTRAIN_COLLECTIVE_TIMEOUT"] = "120"
        process.environment = environment
        return process
    }

    /// Processes whose environment holds `marker` (the scenario's processes, however started).
    static func processes(marked marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return String(decoding: environ, as: UTF8.self).contains("SWIFTTRAIN_SCENARIO_MARKER=\(marker)")
        }
    }

    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    /// A rank that calls `exit(0)` mid-training ends the job within seconds (not the 120 s
    /// collective timeout), and the message names the rank.
    @Test func aRankThatExitsAbortsTheJob() throws {
        let folder = try makeTemporaryFolder(), marker = UUID().uuidString
        let job = Self.scenario("rank-exit", folder: folder, marker: marker, underMPI: true)
        let errors = Pipe()
        job.standardError = errors
        job.standardOutput = FileHandle.nullDevice
        let start = Date()
        try job.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        job.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let text = String(decoding: output, as: UTF8.self)
        #expect(job.terminationStatus != 0)
        #expect(seconds < 60, "the job took \(seconds) s to end")
        #expect(text.contains("rank 1 of 2: exited during training"), "stderr: \(text.suffix(2000))")
        #expect(Self.wait(seconds: 10) { Self.processes(marked: marker).isEmpty })
    }

    /// SIGINT to the launcher (Ctrl-C) reaches mpirun and both ranks: nothing is left running,
    /// and the launcher dies of SIGINT.
    @Test func interruptingTheLauncherStopsEveryRank() throws {
        let folder = try makeTemporaryFolder(), marker = UUID().uuidString
        let launcher = Self.scenario("launch", folder: folder, marker: marker, underMPI: false)
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try launcher.run()
        defer { for pid in Self.processes(marked: marker) { kill(pid, SIGKILL) } }
        let training = Self.wait(seconds: 120) {
            FileManager.default.fileExists(atPath: "\(folder)/rank-0-training") && FileManager.default.fileExists(atPath: "\(folder)/rank-1-training")
        }
        try #require(training, "the ranks never started training")
        #expect(Self.processes(marked: marker).count >= 3, "launcher, mpirun and two ranks")
        kill(launcher.processIdentifier, SIGINT)
        try #require(Self.wait(seconds: 30) { !launcher.isRunning }, "the launcher is still running 30 s after SIGINT")
        launcher.waitUntilExit()
        #expect(launcher.terminationReason == .uncaughtSignal && launcher.terminationStatus == SIGINT)
        #expect(Self.wait(seconds: 15) { Self.processes(marked: marker).isEmpty }, "left running: \(Self.processes(marked: marker))")
    }
}
