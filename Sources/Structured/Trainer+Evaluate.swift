import Events
import Foundation
import Metrics
import TensorCore

extension Trainer {
    /// Runs the module's validation steps over `data` and returns the logged epoch-level values.
    /// With several processes each rank validates its evaluation shard: every example once.
    @discardableResult
    public func validate<M: TrainingModule, Source: BatchSource>(_ module: M, data: Source) throws -> [String: Float]
    where Source.Batch == M.Batch {
        guard data.batchesPerEpoch > 0 else { throw TrainerError.missingData("the validation data has no batches") }
        try joinProcesses()
        let local = try data.shard(for: communicator, forEvaluation: true)
        return try standalone(module) { context in
            try evaluate(module, local, stage: .validate, batches: limitValidationBatches.batches(of: local.batchesPerEpoch), context: context)
        }
    }

    /// Runs the module's test steps over `data` and returns the logged epoch-level values.
    /// With several processes each rank tests its evaluation shard: every example once.
    @discardableResult
    public func test<M: TrainingModule, Source: BatchSource>(_ module: M, data: Source) throws -> [String: Float]
    where Source.Batch == M.Batch {
        guard data.batchesPerEpoch > 0 else { throw TrainerError.missingData("the test data has no batches") }
        try joinProcesses()
        let local = try data.shard(for: communicator, forEvaluation: true)
        return try standalone(module) { context in
            try evaluate(module, local, stage: .test, batches: limitTestBatches.batches(of: local.batchesPerEpoch), context: context)
        }
    }

    /// The module's predictions for each batch of `data`, in evaluation mode without gradients.
    public func predict<M: TrainingModule, Source: BatchSource>(_ module: M, data: Source) throws -> [Tensor]
    where Source.Batch == M.Batch {
        guard data.batchesPerEpoch > 0 else { throw TrainerError.missingData("the prediction data has no batches") }
        var predictions: [Tensor] = []
        let engine = Engine<M.Batch, Tensor> { engine, batch in
            try withoutGradient { try module.predictStep(batch, batchIndex: engine.state.iterationInEpoch - 1) }
        }
        engine.on(.iterationCompleted) { predictions.append($0.state.output!) }
        module.eval()
        defer { module.train() }
        try engine.run(data, epochLength: limitPredictBatches.batches(of: data.batchesPerEpoch))
        return predictions
    }

    private func standalone<M: TrainingModule>(_ module: M, _ body: (TrainerContext) throws -> [String: Float]) throws -> [String: Float] {
        let context = TrainerContext(trainer: self)
        context.module = module
        self.context = context
        self.module = module
        defer {
            self.context = nil
            dispatcher = HookDispatcher()
        }
        orderCallbacks()
        if publisher.loggers.isEmpty, let loggers { publisher.loggers = loggers }
        publisher.isMain = isGlobalZero
        return try TrainerContext.$current.withValue(context) {
            let values = try body(context)
            module.train()
            return values
        }
    }

    /// One pass of validation or test steps: an Events engine over `batches` batches, with the
    /// stage's hooks, in evaluation mode without gradients. Publishes and returns the epoch values.
    func evaluate<M: TrainingModule, Source: BatchSource>(_ module: M, _ data: Source, stage: Stage, batches: Int,
                                                          context: TrainerContext) throws -> [String: Float]
    where Source.Batch == M.Batch {
        // A rank's evaluation shard may be empty when there are fewer examples than ranks; it
        // still takes part in the epoch-end synchronization.
        guard (data.batchesPerEpoch > 0 && batches > 0) || communicator.worldSize > 1 else {
            throw TrainerError.missingData("the \(stage == .test ? "test" : "validation") data has no batches")
        }
        let isTest = stage == .test
        context.results = LoggedValues()
        module.eval()
        if isTest {
            dispatch(.testStart, { $0.onTestStart(trainer: self) }) { module.onTestStart() }
            dispatch(.testEpochStart, { $0.onTestEpochStart(trainer: self) }) { module.onTestEpochStart() }
        } else {
            dispatch(.validationStart, { $0.onValidationStart(trainer: self) }) { module.onValidationStart() }
            dispatch(.validationEpochStart, { $0.onValidationEpochStart(trainer: self) }) { module.onValidationEpochStart() }
        }

        let engine = makeEvaluationEngine(module, isTest: isTest, context: context)
        if batches > 0 { try context.running(engine.name ?? "evaluation", engine.state) { _ = try engine.run(data, epochLength: batches) } }

        if isTest {
            dispatch(.testEpochEnd, { $0.onTestEpochEnd(trainer: self) }) { module.onTestEpochEnd() }
        } else {
            dispatch(.validationEpochEnd, { $0.onValidationEpochEnd(trainer: self) }) { module.onValidationEpochEnd() }
        }
        var values: [String: Float] = [:]
        if !context.isSanityCheck {
            let epochValues = try context.results.epochValues(over: communicator)
            try publisher.publishEpoch(epochValues, step: globalStep, epoch: currentEpoch)
            values = epochValues.values
        }
        if isTest {
            dispatch(.testEnd, { $0.onTestEnd(trainer: self) }) { module.onTestEnd() }
        } else {
            try dispatch(.validationEnd, { try $0.onValidationEnd(trainer: self) }) { module.onValidationEnd() }
        }
        return values
    }

    /// The evaluation loop: an Events engine whose step runs the batch hooks and the module's
    /// validation or test step without gradients.
    private func makeEvaluationEngine<M: TrainingModule>(_ module: M, isTest: Bool, context: TrainerContext) -> Engine<M.Batch, Void> {
        let engine = Engine<M.Batch, Void> { [unowned self] engine, batch in
            try context.atStepPlace { try self.evaluationBatch(batch, engine: engine, module: module, isTest: isTest, context: context) }
        }
        engine.communicator = communicator
        engine.profiler = profiler
        engine.name = isTest ? "test" : "validation"
        engine.onError { [unowned self] _, error in
            self.dispatch(.exception, { $0.onException(trainer: self, error: error) }) { module.onException(error) }
            return false
        }
        return engine
    }

    /// One evaluation batch: the batch hooks and the module's validation or test step, without gradients.
    private func evaluationBatch<M: TrainingModule>(_ batch: M.Batch, engine: Engine<M.Batch, Void>, module: M, isTest: Bool,
                                                    context: TrainerContext) throws {
        let index = engine.state.iterationInEpoch - 1
        context.batchSize = (batch as? LabeledBatch)?.count ?? 1
        if isTest {
            dispatch(.testBatchStart, { $0.onTestBatchStart(trainer: self, batchIndex: index) })
        } else {
            dispatch(.validationBatchStart, { $0.onValidationBatchStart(trainer: self, batchIndex: index) }) {
                module.onValidationBatchStart(batch, batchIndex: index)
            }
        }
        context.hook = isTest ? .testStep : .validationStep
        try withoutGradient {
            isTest ? try module.testStep(batch, batchIndex: index) : try module.validationStep(batch, batchIndex: index)
        }
        if context.lacksValidationStep && !isTest {
            warnOnce("validation data was given, but \(M.self) has no validationStep(_:batchIndex:); skipping validation")
            engine.terminate()
        }
        if isTest {
            dispatch(.testBatchEnd, { $0.onTestBatchEnd(trainer: self, batchIndex: index) })
        } else {
            dispatch(.validationBatchEnd, { $0.onValidationBatchEnd(trainer: self, batchIndex: index) }) {
                module.onValidationBatchEnd(batch, batchIndex: index)
            }
        }
        _ = context.results.takeStepValues()
    }
}
