import Foundation
import TensorCore

/// Exports the model to ONNX when the engine completes (the Events counterpart of the
/// Structured `Trainer.onnxExport` setting), on rank 0. With `restoring`, the weights of that
/// checkpoint (the best one a ``ModelCheckpoint`` kept) are loaded first.
///
/// ```swift
/// ONNXExportHandler(model: model, path: "mnist.onnx", inputShape: [1, 1, 28, 28]).attach(to: trainer)
/// ```
public struct ONNXExportHandler {
    /// The model to export.
    public let model: any Module<Tensor>
    /// Where the file goes.
    public let path: String
    /// One input's shape, batch first (the batch stays symbolic in the file).
    public let inputShape: [Int]
    /// A checkpoint whose model weights are loaded before exporting, read when the run completes.
    public let restoring: (() -> String?)?

    /// A handler exporting `model` to `path` at completion.
    public init(model: any Module<Tensor>, path: String, inputShape: [Int], restoring: (() -> String?)? = nil) {
        self.model = model
        self.path = path
        self.inputShape = inputShape
        self.restoring = restoring
    }

    /// Exports now, after loading the checkpoint named by `restoring`, if any.
    public func export() throws {
        if let checkpoint = restoring?() { try TrainingCheckpoint(contentsOf: checkpoint).restoreModel(model) }
        try model.exportONNX(to: URL(fileURLWithPath: path), inputShape: inputShape)
    }

    /// Registers the export on `engine`'s completion.
    @discardableResult
    public func attach<B, O>(to engine: Engine<B, O>) -> HandlerRegistration {
        engine.on(.completed, named: "ONNXExportHandler") { engine in
            guard engine.communicator.isMain else { return }
            try export()
        }
    }
}
