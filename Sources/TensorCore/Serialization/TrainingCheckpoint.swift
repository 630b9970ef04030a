import Foundation

/// Everything needed to resume training exactly: the model's parameters and buffers, the
/// optimizer's state, the learning-rate scheduler's step count, the epoch and step counters, the
/// process-wide random generator's state, and frontend-specific entries.
///
/// Saved as one safetensors file (tensors prefixed `model.`, `optimizer.` and, inside an open
/// accumulation window, `gradient.`; the rest in the metadata), so Python can inspect it. A
/// CRC-32 over every tensor and entry is stored with them, so a flipped bit is reported instead
/// of loaded. Writes are atomic; reading checks every number it reads back; restoring checks
/// everything before changing anything.
///
/// ```swift
/// try TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 3, step: 2814).save(to: "last.ckpt")
/// let checkpoint = try TrainingCheckpoint(contentsOf: "last.ckpt")
/// try checkpoint.restore(model: model, optimizer: optimizer)
/// ```
public struct TrainingCheckpoint {
    /// The model's parameters and buffers, by name.
    public var modelState: [(name: String, tensor: Tensor)]
    /// The optimizer's buffers and numbers.
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
    /// The summed gradients of an unfinished accumulation window, by optimizer parameter index
    /// (empty when the checkpoint was taken at a window boundary).
    public var gradients: [Int: Tensor]

    static let format = "swifttrain-checkpoint-2"
    /// Written before checksums; still read.
    static let formatWithoutChecksum = "swifttrain-checkpoint-1"

    /// Captures the current state of `model`, `optimizer`, `scheduler` and the process-wide
    /// random generator.
    ///
    /// With `includesGradients` (inside an accumulation window: ``Engine/needsGradientsInCheckpoint``
    /// in Events), the optimizer parameters' gradients are saved too, so a resume continues the
    /// window exactly. `optimizerState` and `modelState` replace the optimizer's ``Optimizer/state``
    /// and the model's `namedState`: their gathered forms when they are sharded across processes.
    public init(model: any Module, optimizer: any Optimizer, scheduler: LearningRateScheduler? = nil,
                epoch: Int, step: Int, extra: [String: String] = [:], includesGradients: Bool = false,
                optimizerState gathered: OptimizerState? = nil, modelState gatheredModel: [(name: String, tensor: Tensor)]? = nil) {
        // Copies: training goes on after the capture, and the checkpoint must keep these values.
        modelState = (gatheredModel ?? model.namedState).map { ($0.name, Tensor($0.tensor.scalars, shape: $0.tensor.shape)) }
        var optimizerState = gathered ?? optimizer.state
        optimizerState.tensors = optimizerState.tensors.mapValues { Tensor($0.scalars, shape: $0.shape) }
        self.optimizerState = optimizerState
        schedulerStep = scheduler?.stepCount
        self.epoch = epoch
        self.step = step
        randomState = RandomGenerator.global
        self.extra = extra
        var gradients: [Int: Tensor] = [:]
        if includesGradients {
            for (index, parameter) in optimizer.parameters.enumerated() {
                if let gradient = parameter.gradient { gradients[index] = Tensor(gradient.scalars, shape: gradient.shape) }
            }
        }
        self.gradients = gradients
    }

    /// Reads a checkpoint written by ``save(to:)``.
    /// - Throws: ``CheckpointError`` when the file is unreadable, corrupt or not a training checkpoint.
    public init(contentsOf path: String) throws {
        let file = try SafeTensorsFile(contentsOf: path)
        let meta = file.metadata
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: reason) }
        switch meta["format"] {
        case Self.format:
            guard let stored = meta["checksum"].flatMap({ UInt32($0, radix: 16) }) else { throw corrupt("missing or malformed checksum") }
            let computed = Self.checksum(tensors: file.tensors, metadata: meta)
            guard stored == computed else {
                throw corrupt(String(format: "checksum %08x does not match the contents (%08x): the file was altered or damaged", stored, computed))
            }
        case Self.formatWithoutChecksum: break
        default: throw corrupt("not a training checkpoint (format \(meta["format"] ?? "missing"))")
        }
        func count(_ key: String) throws -> Int {
            guard let text = meta[key] else { throw corrupt("missing \(key)") }
            guard let value = Int(text), value >= 0 else { throw corrupt("\(key) is \(text), not a count") }
            return value
        }
        let epoch = try count("epoch"), step = try count("step")
        let words = (meta["random_state"] ?? "").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { throw corrupt("missing or malformed random_state") }
        guard let numbersText = meta["optimizer_numbers"],
              let numbers = try? JSONDecoder().decode([String: Double].self, from: Data(numbersText.utf8)) else {
            throw corrupt("missing or malformed optimizer_numbers")
        }
        for (name, value) in numbers.sorted(by: { $0.key < $1.key }) {
            if let problem = Self.problem(withOptimizerNumber: name, value) { throw corrupt("optimizer number \(name) = \(value) \(problem)") }
        }
        modelState = file.tensors.filter { $0.name.hasPrefix("model.") }.map { (String($0.name.dropFirst(6)), $0.tensor) }
        optimizerState = OptimizerState(
            tensors: Dictionary(file.tensors.filter { $0.name.hasPrefix("optimizer.") }.map { (String($0.name.dropFirst(10)), $0.tensor) },
                                uniquingKeysWith: { first, _ in first }),
            numbers: numbers)
        var gradients: [Int: Tensor] = [:]
        for (name, tensor) in file.tensors where name.hasPrefix("gradient.") {
            guard let index = Int(name.dropFirst(9)), index >= 0 else { throw corrupt("entry \(name) names no parameter") }
            gradients[index] = tensor
        }
        self.gradients = gradients
        schedulerStep = meta["scheduler_step"] == nil ? nil : try count("scheduler_step")
        self.epoch = epoch
        self.step = step
        var generator = RandomGenerator(seed: 0)
        generator.state = (words[0], words[1], words[2], words[3])
        randomState = generator
        extra = Dictionary(meta.filter { $0.key.hasPrefix("extra.") }.map { (String($0.key.dropFirst(6)), $0.value) },
                           uniquingKeysWith: { first, _ in first })
    }

    /// Why an optimizer number read from a file cannot be used, or nil: every number is
    /// finite, step counts are whole and at most 2^53, rates and factors are not negative.
    static func problem(withOptimizerNumber name: String, _ value: Double) -> String? {
        guard value.isFinite else { return "is not finite" }
        // A combined optimizer's members' numbers carry an `<index>.` prefix.
        let parts = name.split(separator: ".", maxSplits: 1)
        let own = parts.count == 2 && parts[0].allSatisfy(\.isNumber) ? parts[1] : Substring(name)
        if own.hasPrefix("step") {
            guard value >= 0, value <= 9_007_199_254_740_992, value == value.rounded() else { return "is not a step count" }
        } else if value < 0 {
            return "is negative"
        }
        return nil
    }

    /// CRC-32 over every tensor (name, shape, Float32 bits, in file order) and every metadata
    /// entry but the checksum itself (sorted by key).
    static func checksum(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> UInt32 {
        var crc = CRC32()
        for (name, tensor) in tensors {
            crc.update(Array("\(name)\u{0}\(tensor.shape)\u{0}".utf8))
            crc.update(floats: tensor.scalars)
        }
        for key in metadata.keys.sorted() where key != "checksum" {
            crc.update(Array("\(key)\u{0}\(metadata[key]!)\u{0}".utf8))
        }
        return crc.value
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
            + gradients.keys.sorted().map { ("gradient.\($0)", gradients[$0]!) }
        metadata["checksum"] = String(format: "%08x", Self.checksum(tensors: tensors, metadata: metadata))
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
        let parameters = optimizer.parameters
        for (index, gradient) in gradients.sorted(by: { $0.key < $1.key }) {
            guard index < parameters.count else { throw CheckpointError.unexpectedEntry(name: "gradient.\(index)") }
            guard gradient.shape == parameters[index].shape else {
                throw CheckpointError.shapeMismatch(name: "gradient.\(index)", expected: parameters[index].shape, found: gradient.shape)
            }
        }
        try optimizer.load(optimizerState)   // validates before changing anything
        try model.loadState(modelState)      // cannot fail now: names and shapes were checked
        if !gradients.isEmpty {
            for (index, parameter) in parameters.enumerated() {
                parameter.gradient = gradients[index].map { Tensor($0.scalars, shape: $0.shape) }
            }
        }
        if let scheduler, let schedulerStep { scheduler.restore(stepCount: schedulerStep) }
        RandomGenerator.global = randomState
    }

    /// Loads only the model's weights and buffers (for evaluation or export), checked first: on
    /// an error nothing has changed.
    /// - Throws: ``CheckpointError`` naming the entry that does not fit.
    public func restoreModel(_ model: any Module) throws {
        try model.validateState(modelState)
        try model.loadState(modelState)
    }
}
