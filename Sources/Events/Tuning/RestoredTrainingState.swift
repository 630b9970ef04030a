import TensorCore

/// Runs `body`, which trains `model` for a trial, then puts the model, the optimizer (rate and
/// buffers), the gradients, the training mode and the process-wide random generator back as they
/// were, bit for bit, also when `body` throws. The finders' trials leave no trace this way.
func withRestoredTrainingState<T>(model: any Module, optimizer: any Optimizer, _ body: () throws -> T) throws -> T {
    let snapshot = TrainingCheckpoint(model: model, optimizer: optimizer, epoch: 0, step: 0, includesGradients: true)
    let withoutGradient = optimizer.parameters.indices.filter { optimizer.parameters[$0].gradient == nil }
    let wasTraining = model.isTraining
    func restore() throws {
        try snapshot.restore(model: model, optimizer: optimizer)
        for index in withoutGradient { optimizer.parameters[index].zeroGradient() }
        wasTraining ? model.train() : model.eval()
    }
    let value: T
    do {
        value = try body()
    } catch {
        try restore()
        throw error
    }
    try restore()
    return value
}
