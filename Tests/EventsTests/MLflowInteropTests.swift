import Foundation
import Testing
import Events
import TensorCore
import TestSupport

/// Runs logged to a real MLflow tracking server (started here on 127.0.0.1 with a SQLite store
/// in a temporary folder) and read back with MLflow's own client (`Interop/read_mlflow.py`).
@Suite(.enabled(if: InteropVenv.path.map { FileManager.default.isExecutableFile(atPath: "\($0)/bin/mlflow") } ?? false,
                "needs SWIFTTRAIN_VENV with mlflow"), .serialized)
struct MLflowInteropTests {
    /// A running `mlflow server`. It starts workers of its own (uvicorn, job consumers) that
    /// outlive a signal to the parent, so ``stop()`` kills the whole process tree.
    final class Server {
        let process: Process
        let uri: String
        init(process: Process, uri: String) { self.process = process; self.uri = uri }

        /// Every descendant of `root`, from /proc.
        static func descendants(of root: Int32) -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            var children: [Int32: [Int32]] = [:]
            for entry in entries {
                guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { continue }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 2, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
            }
            var result: [Int32] = [], queue = [root]
            while let next = queue.popLast() {
                let found = children[next] ?? []
                result += found
                queue += found
            }
            return result
        }

        func stop() {
            guard process.isRunning else { return }
            for pid in Self.descendants(of: process.processIdentifier) { kill(pid, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A server on a port of its own, with its SQLite store and artifacts in `folder`.
    static func startServer(in folder: String, port: Int) throws -> Server {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "\(InteropVenv.path!)/bin/mlflow")
        server.arguments = ["server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1",
                            "--backend-store-uri", "sqlite:///\(folder)/mlflow.db", "--artifacts-destination", "\(folder)/artifacts"]
        server.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        server.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try server.run()
        let uri = "http://127.0.0.1:\(port)"
        // Ready when the experiments endpoint answers (MLflow's own client, so it waits for the
        // whole server, not just its port).
        for _ in 0..<120 {
            if (try? MLflowLogger(experiment: "probe", runName: "probe", trackingURI: uri, attempts: 1, timeout: 2).isServerReady()) == true {
                return Server(process: server, uri: uri)
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        Server(process: server, uri: uri).stop()
        throw InteropVenv.InteropError(message: "mlflow server did not start on port \(port)")
    }

    struct Run: Decodable {
        let name: String, status: String
        let params: [String: String]
        let metrics: [String: [[Double]]]
        let artifacts: [String]
        let tables: [String: String]
    }

    @Test func twoRunsReadBackWithMLflowsClient() throws {
        let folder = try makeTemporaryFolder()
        let server = try Self.startServer(in: folder, port: 15_000 + Int(getpid() % 4_000))
        defer { server.stop() }
        let uri = server.uri
        let artifact = "\(folder)/report.html"
        try "<p>report</p>".write(toFile: artifact, atomically: true, encoding: .utf8)

        let first = try MLflowLogger(experiment: "swifttrain-test", runName: "first", trackingURI: uri)
        first.artifacts = [artifact]
        try first.logHyperparameters(["lr": "0.01", "model": "mlp"])
        for step in 1...3 { try first.log(["loss": Float(4 - step)], step: step * 10) }
        try first.logTable("confusion", values: Tensor([5, 1, 0, 2, 7, 1, 0, 0, 9], shape: [3, 3]), step: 30)
        try first.finish(succeeded: true)
        let second = try MLflowLogger(experiment: "swifttrain-test", runName: "second", trackingURI: uri)
        try second.log(["loss": 0.5], step: 1)
        try second.finish(succeeded: false)

        let output = try InteropVenv.run("Interop/read_mlflow.py", [uri, "swifttrain-test"])
        let runs = try JSONDecoder().decode([Run].self, from: Data(output.utf8))
        #expect(runs.map(\.name) == ["first", "second"])
        #expect(runs.first?.params == ["lr": "0.01", "model": "mlp"])
        #expect(runs.first?.metrics["loss"] == [[10, 3], [20, 2], [30, 1]])
        #expect(runs.first?.status == "FINISHED" && runs.last?.status == "FAILED")
        #expect(runs.first?.artifacts == ["report.html", "tables/confusion-step30.csv"])
        #expect(runs.first?.tables["tables/confusion-step30.csv"] == "5.0,1.0,0.0\n2.0,7.0,1.0\n0.0,0.0,9.0\n", "rows stay rows")
    }

    @Test func aServerThatIsDownAtStartIsAClearError() throws {
        let logger = try MLflowLogger(experiment: "x", runName: "y", trackingURI: "http://127.0.0.1:9", attempts: 2, timeout: 2)
        #expect(throws: MLflowError.self) { try logger.log(["loss": 1], step: 1) }
        do { try logger.log(["loss": 1], step: 1) } catch { #expect("\(error)".contains("MLflow tracking server http://127.0.0.1:9 is unavailable")) }
    }

    @Test func aServerThatStopsMidRunDoesNotStopTraining() throws { try withRandomScope(seed: 4) {
        let folder = try makeTemporaryFolder()
        let server = try Self.startServer(in: folder, port: 19_100 + Int(getpid() % 800))
        defer { server.stop() }
        let uri = server.uri
        let logger = try MLflowLogger(experiment: "stops", runName: "run", trackingURI: uri, attempts: 2, timeout: 2)
        let model = makeClassifier()
        let trainer = supervisedTrainer(model: model, optimizer: Adam(for: model, learningRate: 0.02))
        logger.attach(to: trainer, at: .iterationCompleted) { ["loss": $0.state.output!] }
        trainer.on(.epochCompleted) { engine in
            if engine.state.epoch == 1 { server.stop() }
        }
        try trainer.run(DataLoader(syntheticData(), batchSize: 16), maxEpochs: 3)
        #expect(trainer.state.epoch == 3)
    }}
}
