import Foundation
import Metrics
import TensorCore

extension CheckpointFiles {
    /// A file name from `template`: `{epoch}`, `{step}` and any name in `values`, each rendered as
    /// `name=value`, with an optional printf format (`{val_loss:.3f}`); other text is kept.
    /// `"{epoch}-{val_loss:.3f}"` gives `epoch=2-val_loss=0.123`. A value not in `values` is NaN.
    public static func name(from template: String, epoch: Int, step: Int, values: [String: Float]) -> String {
        var result = "", index = template.startIndex
        while let open = template[index...].firstIndex(of: "{"), let close = template[open...].firstIndex(of: "}") {
            result += template[index..<open]
            let parts = template[template.index(after: open)..<close].split(separator: ":", maxSplits: 1)
            let name = String(parts.first ?? "")
            switch name {
            case "epoch": result += "epoch=\(epoch)"
            case "step": result += "step=\(step)"
            default:
                let value = values[name] ?? .nan
                result += "\(name)=" + (parts.count > 1 ? String(format: "%" + parts[1], value) : "\(value)")
            }
            index = template.index(after: close)
        }
        return result + template[index...]
    }

    /// The most recently written `last*.ckpt` file in any of `directories` (what resuming from
    /// the last checkpoint reads), or nil.
    public static func newestLastFile(in directories: [String]) -> String? {
        let candidates = directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("last") && $0.hasSuffix(".ckpt") }.map { "\(directory)/\($0)" }
        }
        return candidates.max { modificationDate($0) < modificationDate($1) }
    }

    /// The best-scored checkpoint in `directory` by the bookkeeping each file holds under `key`
    /// (so it works after a restart, when no handler remembers the files), better meaning
    /// `mode`'s direction; `last*` files do not count.
    /// - Complexity: reads every checkpoint in the folder.
    public static func bestFile(in directory: String, key: String, mode: MonitorMode) -> String? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".ckpt") && !$0.hasPrefix("last") }
        let scored = names.compactMap { name -> (String, Float)? in
            let path = "\(directory)/\(name)"
            guard let checkpoint = try? TrainingCheckpoint(contentsOf: path),
                  let bookkeeping = try? checkpoint.extra.component(Bookkeeping.self, under: key),
                  let score = bookkeeping.files.first(where: { $0.path == path })?.score else { return nil }
            return (path, score)
        }
        return scored.max { mode.isImprovement($1.1, over: $0.1) }?.0
    }

    private static func modificationDate(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }
}
