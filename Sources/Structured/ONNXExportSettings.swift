import Events
import TensorCore

/// Where and how the Trainer exports the module to ONNX at the end of `fit` (``Trainer/onnxExport``).
///
/// ```swift
/// trainer.onnxExport = ONNXExportSettings(path: "model.onnx", inputShape: [1, 1, 28, 28])
/// ```
public struct ONNXExportSettings: Sendable {
    /// The file to write.
    public var path: String
    /// One input's shape, batch first (the batch stays symbolic in the file).
    public var inputShape: [Int]
    /// Whether the best checkpoint of the first ``CheckpointCallback`` is loaded into the module
    /// first (when there is one); otherwise the final weights are exported.
    public var usesBestCheckpoint = true

    /// Export to `path` with inputs of `inputShape`, from the best checkpoint when there is one.
    public init(path: String, inputShape: [Int], usesBestCheckpoint: Bool = true) {
        self.path = path
        self.inputShape = inputShape
        self.usesBestCheckpoint = usesBestCheckpoint
    }
}

extension Trainer {
    /// The export at the end of `fit`, through Events' ``ONNXExportHandler``, on rank 0.
    func exportONNXIfAsked(_ module: some Module) throws {
        guard let settings = onnxExport, isGlobalZero else { return }
        guard let model = module as? any Module<Tensor> else {
            throw TrainerError.invalidSetting("onnxExport needs a module that takes a Tensor; \(type(of: module)) does not")
        }
        let best = settings.usesBestCheckpoint ? checkpointCallbacks.first?.bestModelPath : nil
        try ONNXExportHandler(model: model, path: settings.path, inputShape: settings.inputShape, restoring: { best }).export()
    }
}
