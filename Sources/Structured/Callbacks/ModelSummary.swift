import Foundation
import TensorCore

/// Prints the model's layers at the start of `fit` (rank 0): the module's ``Module/summary``.
public final class ModelSummary: Callback {
    private let write: (String) -> Void

    /// A summary written through `write` (standard output by default).
    public init(write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) { self.write = write }

    /// Called once when `fit` starts, after the optimizer is configured and before the sanity check.
    public func onFitStart(trainer: Trainer) {
        guard trainer.isGlobalZero, let module = trainer.module else { return }
        write(Self.render(module))
    }

    /// The summary table of `module` (``Module/summary``).
    public static func render(_ module: any Module) -> String { module.summary }
}

extension ModelSummary: ImplementsBatchHooks {
    static var batchHooks: Set<Hook> { [] }
}
