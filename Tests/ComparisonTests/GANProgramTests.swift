import Foundation
import Testing
import TensorCore
import TestSupport
import Datasets

/// `mnist-gan-compare` as a user runs it on the real MNIST: the three frontends train the GAN
/// to bit-identical weights, every epoch leaves a PNG grid per frontend, and the report embeds
/// them. (The five-epoch digit check runs in the main job: `Scripts/main.sh`.)
@Suite(.enabled(if: realMNISTFolder != nil, "needs the real MNIST files"), .serialized)
struct GANProgramTests {
    @Test func theThreeFrontendsTrainTheGANToTheSameWeights() throws {
        let folder = try makeTemporaryFolder()
        let result = try BuiltProgram.run("mnist-gan-compare", ["--epochs", "2", "--batches", "25", "--out", folder,
                                                                "--report", folder + "/gan.html", "--json", folder + "/gan.jsonl"])
        #expect(result.status == 0, "\(result.out)\n\(result.err)")
        #expect(result.out.contains("final weights bit-identical across the three runs: yes"))
        let records = try String(contentsOfFile: folder + "/gan.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(records.map { $0["frontend"] as? String } == ["core", "events", "structured"])
        #expect(Set(records.map { $0["weights_crc32"] as? Int }).count == 1)
        for frontend in ["core", "events", "structured"] {
            for epoch in 1...2 {
                let png = try #require(FileManager.default.contents(atPath: "\(folder)/\(frontend)-epoch\(epoch).png"), "\(frontend) epoch \(epoch)")
                #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            }
        }
        let report = try String(contentsOfFile: folder + "/gan.html", encoding: .utf8)
        #expect(report.components(separatedBy: "data:image/png;base64,").count - 1 == 2 + 3, "two epochs' grids, then each frontend's last")
    }

    @Test func badFlagsGiveOneLine() throws {
        let result = try BuiltProgram.run("mnist-gan", ["--frontend", "jax"])
        #expect(result.status == 1 && result.err == "mnist-gan: --frontend is core, events or structured, got jax\n")
        let help = try BuiltProgram.run("mnist-gan", ["--help"])
        #expect(help.status == 0 && help.out.contains("--check-epochs"))
    }
}
