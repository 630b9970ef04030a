import Foundation

/// Everything needed to resume training exactly: the model's parameters and buffers, the
/// optimizer's state, the learning-rate scheduler's step count, the epoch and step counters, the
/// process-wide random generator's state, and frontend-specific entries.
///
/// Saved as one safetensors file (tensors prefixed `model.` and `optimizer.`, the rest in the
/// metadata), so Python can inspect it. Writes are atomic; restoring checks everything before
/// changing anything.
///
/// ```swift
/// try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 3, step: 2814).save(to: "last.ckpt")
/// let checkpoint = try TrainingCheckpoint(contentsOf: "last.ckpt")
/// try checkpoint.restore(model: model, optimizer: optimizer)
/// ```
public struct TrainingCheckpoint {
    public var modelState: [(name: String, tensor: Tensor)]
    public var optimizerState: OptimizerState
    /// The scheduler's step count, when a scheduler was saved.
    public var schedulerStep: Int?
    /// Completed epochs.
    public var epoch: Int
    /// Completed optimizer steps (or iterations) over the whole run.
    public var step: Int
    /// The process-wide generator when the checkpoint was taken.
    public var randomState: RandomGenerator
    /// Entries a frontend adds (its loop position, callback state), as strings.
    public var extra: [String: String]

    static let format = "swifttrain-checkpoint-1"

    /// Captures the current state of `model`, `optimizer`, `scheduler` and the process-wide
    /// random generator.
    public init(model: any Module, optimizer: any Optimizer, scheduler: LearningRateScheduler? = nil,
                epoch: Int, step: Int, extra: [String: String] = [:]) {
        // Copies: training goes on after the capture, and the checkpoint must keep these values.
        modelState = model.namedState.map { ($0.name, Tensor($0.tensor.scalars, shape: $0.tensor.shape)) }
        var optimizerState = optimizer.state
        optimizerState.tensors = optimizerState.tensors.mapValues { Tensor($0.scalars, shape: $0.shape) }
        self.optimizerState = optimizerState
        schedulerStep = scheduler?.stepCount
        self.epoch = epoch
        self.step = step
        randomState = RandomGenerator.global
        self.extra = extra
    }

    /// Reads a checkpoint written by ``save(to:)``.
    /// - Throws: ``CheckpointError`` when the file is unreadable, corrupt or not a training checkpoint.
    public init(contentsOf path: String) throws {
        let file = try SafeTensorsFile(contentsOf: path)
        let meta = file.metadata
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: reason) }
        guard meta["format"] == Self.format else { throw corrupt("not a training checkpoint (format \(meta["format"] ?? "missing"))") }
        guard let epoch = meta["epoch"].flatMap(Int.init), let step = meta["step"].flatMap(Int.init) else {
            throw corrupt("missing epoch or step")
        }
        let words = (meta["random_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4 else { throw corrupt("missing or malformed random_state") }
        guard let numbersText = meta["optimizer_numbers"],
              let numbers = try? JSONDecoder().decode([String: Double].self, from: Data(numbersText.utf8)) else {
            throw corrupt("missing or malformed optimizer_numbers")
        }
        modelState = file.tensors.filter { $0.name.hasPrefix("model.") }.map { (String($0.name.dropFirst(6)), $0.tensor) }
        optimizerState = OptimizerState(
            tensors: Dictionary(file.tensors.filter { $0.name.hasPrefix("optimizer.") }.map { (String($0.name.dropFirst(10)), $0.tensor) },
                                uniquingKeysWith: { first, _ in first }),
            numbers: numbers)
        schedulerStep = meta["scheduler_step"].flatMap(Int.init)
        self.epoch = epoch
        self.step = step
        var generator = RandomGenerator(seed: 0)
        generator.state = (words[0], words[1], words[2], words[3])
        randomState = generator
        extra = Dictionary(meta.filter { $0.key.hasPrefix("extra.") }.map { (String($0.key.dropFirst(6)), $0.value) },
                           uniquingKeysWith: { first, _ in first })
    }

    /// Writes the checkpoint atomically: a crash mid-save leaves the previous file intact.
    public func save(to path: String) throws {
        let numbers = String(decoding: try JSONEncoder().encode(optimizerState.numbers), as: UTF8.self)
        let state = randomState.state
        var metadata = [
            "format": Self.format, "epoch": String(epoch), "step": String(step), "optimizer_numbers": numbers,
            "random_state": [state.0, state.1, state.2, state.3].map { String($0, radix: 16) }.joined(separator: ","),
        ]
        if let schedulerStep { metadata["scheduler_step"] = String(schedulerStep) }
        for (key, value) in extra { metadata["extra.\(key)"] = value }
        let tensors = modelState.map { ("model.\($0.name)", $0.tensor) }
            + optimizerState.tensors.keys.sorted().map { ("optimizer.\($0)", optimizerState.tensors[$0]!) }
        try SafeTensorsFile(tensors: tensors, metadata: metadata).write(to: path)
    }

    /// Puts the saved state back into `model`, `optimizer` and `scheduler`, and restores the
    /// process-wide random generator.
    ///
    /// Checks that every model entry fits and that the optimizer accepts its state before
    /// assigning anything: on an error nothing has changed.
    /// - Throws: ``CheckpointError`` naming the entry that does not fit.
    public func restore(model: any Module, optimizer: any Optimizer, scheduler: LearningRateScheduler? = nil) throws {
        try model.validateState(modelState)
        if scheduler != nil && schedulerStep == nil { throw CheckpointError.missingEntry(name: "scheduler_step") }
        try optimizer.load(optimizerState)   // validates before changing anything
        try model.loadState(modelState)      // cannot fail now: names and shapes were checked
        if let scheduler, let schedulerStep { scheduler.restore(stepCount: schedulerStep) }
        RandomGenerator.global = randomState
    }
}
