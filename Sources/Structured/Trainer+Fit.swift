import Distributed
import Events
import Foundation
import Metrics
import TensorCore

extension Trainer {
    /// Trains `module` on `train`, validating on `validation` as configured, and returns the
    /// logged epoch-level values (``callbackMetrics``).
    ///
    /// With `resumeFrom`, the model, optimizer, scheduler, random generator, loop position and
    /// callback state come from a checkpoint, and training continues exactly where it stopped
    /// (mid-epoch too): the final weights equal an uninterrupted run's.
    /// - Throws: ``TrainerError`` for contradictory settings, missing data or a module without an
    ///   optimizer, before training starts; ``CheckpointError`` for a checkpoint that does not
    ///   fit; and whatever a step or hook throws (after the exception hooks ran).
    @discardableResult
    public func fit<M: TrainingModule, Source: BatchSource>(
        _ module: M, train unshardedTrain: Source, validation unshardedValidation: Source? = nil, resumeFrom: ResumePoint? = nil
    ) throws -> [String: Float] where Source.Batch == M.Batch {
        try validateSettings(automaticOptimization: module.automaticOptimization)
        try joinProcesses()
        let train = try unshardedTrain.shard(for: communicator)
        let validation = try unshardedValidation?.shard(for: communicator, forEvaluation: true)
        guard train.batchesPerEpoch > 0 else { throw TrainerError.missingData("the training data has no batches") }
        // A rank's evaluation shard may be empty (fewer examples than ranks); the data may not.
        if let unshardedValidation, unshardedValidation.batchesPerEpoch == 0 { throw TrainerError.missingData("the validation data has no batches") }

        let context = TrainerContext(trainer: self)
        context.module = module
        self.context = context
        self.module = module
        hasValidationData = validation != nil
        defer {
            self.context = nil
            dispatcher = HookDispatcher()
        }
        return try TrainerContext.$current.withValue(context) {
            let optimizer = try configureRun(module, context: context)
            // The loop: an Events engine whose step is the shared optimization step.
            let overfit = overfitBatches.map { $0.batches(of: train.batchesPerEpoch) }
            trainBatchesPerEpoch = fastDevRun.map { Swift.min($0, train.batchesPerEpoch) } ?? overfit ?? limitTrainBatches.batches(of: train.batchesPerEpoch)
            let epochs = fastDevRun != nil ? 1 : (maxEpochs ?? (maxSteps == nil ? 1000 : Int.max / Swift.max(trainBatchesPerEpoch, 1)))
            let engine = makeTrainingEngine(module, context: context, optimizer: optimizer, validation: validation)
            trainingProgress = engine.state
            saveCheckpointHandler = checkpointWriter(module, optimizer: optimizer, engine: engine)
            if let resumeFrom {
                try restore(resumeFrom, module: module, optimizer: optimizer, engine: engine, context: context)
            } else if communicator.worldSize > 1 {
                try module.broadcastState(over: communicator)
            }
            dispatch(.fitStart, { $0.onFitStart(trainer: self) }) { module.onFitStart() }
            if let validation, resumeFrom == nil, fastDevRun == nil, sanityValidationSteps != 0 {
                try sanityCheck(module, validation, context: context)
            }
            try context.running("training", engine.state) { _ = try engine.run(train, maxEpochs: epochs, epochLength: trainBatchesPerEpoch) }
            dispatch(.fitEnd, { $0.onFitEnd(trainer: self) }) { module.onFitEnd() }
            try exportONNXIfAsked(module)
            try publisher.finish(hyperparameters: module.hyperparameters, step: globalStep)
            return callbackMetrics
        }
    }

    /// The module's optimizer and schedule, the default callbacks and the loggers of a run.
    private func configureRun<M: TrainingModule>(_ module: M, context: TrainerContext) throws -> any Optimizer {
        context.hook = .configureOptimizers
        guard let configuration = module.configureOptimizers() else {
            throw TrainerError.invalidSetting("configureOptimizers() returned no optimizer")
        }
        let entries = configuration.entries
        if entries.count > 1 && module.automaticOptimization {
            throw TrainerError.invalidSetting("configureOptimizers() returned \(entries.count) optimizers; several optimizers need manual "
                + "optimization (automaticOptimization false), as in Lightning 2")
        }
        if entries.count > 1 && entries.contains(where: { $0.scheduler?.plateau != nil }) {
            throw TrainerError.invalidSetting("a reduceOnPlateau schedule needs a single optimizer")
        }
        optimizers = entries.map(\.optimizer)
        // Checkpoints and gradient synchronization see several optimizers as one.
        let optimizer = entries.count == 1 ? configuration.optimizer : CombinedOptimizer(optimizers)
        self.optimizer = optimizer
        schedulerConfigurations = entries.map(\.scheduler)
        schedulers = entries.map { entry in entry.scheduler.map { LearningRateScheduler($0.schedule, optimizer: entry.optimizer) } }
        plateau = configuration.scheduler?.plateau.map {
            ReduceOnPlateau(optimizer: optimizer, mode: $0.mode, factor: $0.factor, patience: $0.patience,
                            minimumDelta: $0.minimumDelta, minimumRate: $0.minimumRate)
        }
        profiler?.operations?.nameLayers(of: module)
        installDefaultCallbacks()
        orderCallbacks()
        // Logs are written by rank 0 only.
        publisher.loggers = fastDevRun != nil || !isGlobalZero ? [] : try (loggers ?? [CSVLogger(root: "\(rootDirectory)/lightning_logs", name: "")])
        (publisher.isMain, publisher.everySteps) = (isGlobalZero, logEveryNSteps)
        return optimizer
    }

    /// Writes the run's checkpoint: the engine's position, the plateau schedule, every callback's
    /// and the module's state, then the caller's entries on top.
    private func checkpointWriter<M: TrainingModule>(_ module: M, optimizer: any Optimizer, engine: Engine<M.Batch, Tensor?>)
        -> (_ path: String, _ extra: [String: String]) throws -> Void {
        { [unowned self] path, extra in
            var entries = engine.checkpointEntries
            entries.store(TrainerProgress(globalStep: self.globalStep, plateau: self.plateau?.state))
            self.dispatch(.saveCheckpoint, { $0.onSaveCheckpoint(trainer: self, entries: &entries) }) { module.onSaveCheckpoint(&entries) }
            entries.merge(extra) { _, given in given }
            try TrainingCheckpoint(model: module, optimizer: optimizer, scheduler: self.scheduler,
                                   epoch: self.currentEpoch, step: self.globalStep, extra: entries,
                                   includesGradients: engine.needsGradientsInCheckpoint,
                                   optimizerState: self.gatheredState.optimizer, modelState: self.gatheredState.model).save(to: path)
        }
    }

    /// A few validation batches before training, to catch bugs early; their values are discarded.
    private func sanityCheck<M: TrainingModule, Source: BatchSource>(_ module: M, _ validation: Source, context: TrainerContext) throws
    where Source.Batch == M.Batch {
        isSanityChecking = true
        context.isSanityCheck = true
        defer {
            context.isSanityCheck = false
            isSanityChecking = false
        }
        dispatch(.fitStart, { $0.onSanityCheckStart(trainer: self) })
        let steps = sanityValidationSteps < 0 ? validation.batchesPerEpoch : Swift.min(sanityValidationSteps, validation.batchesPerEpoch)
        _ = try evaluate(module, validation, stage: .validate, batches: steps, context: context)
        // Metric objects the module updated hold the untrained model's batches: reset them
        // (Lightning does), so epoch 0's values cover its own validation pass only.
        for metric in context.sanityMetrics { metric.reset() }
        context.sanityMetrics = []
        dispatch(.fitStart, { $0.onSanityCheckEnd(trainer: self) })
    }

    /// ``fit(_:train:validation:resumeFrom:)`` with a data module's data (prepared on rank 0, set
    /// up and torn down around the run).
    @discardableResult
    public func fit<M: TrainingModule, D: DataModule>(_ module: M, data: D, resumeFrom: ResumePoint? = nil) throws -> [String: Float]
    where D.Source.Batch == M.Batch {
        if isGlobalZero { try data.prepareData() }
        try data.setup(stage: .fit)
        defer { data.teardown(stage: .fit) }
        return try fit(module, train: data.trainData(), validation: data.validationData(), resumeFrom: resumeFrom)
    }

    /// Sets ``communicator`` for `.dataParallel`: the MPI world, or (outside `mpirun`) this
    /// program started again under `mpirun`, which does not return.
    func joinProcesses() throws {
        guard case .dataParallel(let launcher) = strategy, communicator.worldSize == 1 else { return }
        if !launcher.isLaunched && devices > 1 {
            FileHandle.standardError.write(Data(("note: Trainer relaunches this program as a job of \(devices) processes now; everything it "
                + "did before (loading data, building the model) runs again in every rank. Call the launcher first thing "
                + "(DataParallelLauncher.launch(devices:)) to avoid that.\n").utf8))
        }
        communicator = try launcher.communicator(devices: devices)
    }

    private func installDefaultCallbacks() {
        if enableCheckpointing, fastDevRun == nil, checkpointCallbacks.isEmpty {
            callbacks.append(CheckpointCallback(directory: "\(rootDirectory)/checkpoints"))
        }
        if enableProgressBar, !callbacks.contains(where: { $0 is ProgressBarCallback }) { callbacks.append(ProgressBarCallback()) }
        if enableModelSummary, !callbacks.contains(where: { $0 is ModelSummary }) { callbacks.append(ModelSummary()) }
        if fastDevRun != nil { callbacks.removeAll { $0 is CheckpointCallback || $0 is EarlyStoppingCallback } }
    }

    // MARK: The training engine

    private func makeTrainingEngine<M: TrainingModule, Source: BatchSource>(
        _ module: M, context: TrainerContext, optimizer: any Optimizer, validation: Source?
    ) -> Engine<M.Batch, Tensor?> where Source.Batch == M.Batch {
        var budget = TimeBudget(seconds: maxTime)
        budget.start()
        let automatic = module.automaticOptimization
        // The one optimization step of the package, shared with Events' supervised trainer.
        let optimization = OptimizationStep(optimizer: optimizer, accumulation: automatic ? gradientAccumulation : 1,
                                            clipping: automatic ? gradientClipping : nil, communicator: communicator, model: module,
                                            bucketBytes: gradientBucketBytes)
        optimization.hooks = TrainerStepHooks(trainer: self, module: module)
        optimization.schedules = zip(schedulers, schedulerConfigurations).compactMap { scheduler, configuration in
            guard let scheduler, let configuration, configuration.plateau == nil else { return nil }
            return (scheduler, configuration.interval == .step ? .iteration : .epoch, configuration.frequency)
        }
        context.optimization = optimization
        let engine = Engine<M.Batch, Tensor?> { [unowned self, budget] engine, batch in
            let loss = try context.atStepPlace { try self.trainBatch(batch, engine: engine, module: module, context: context, optimization: optimization) }
            if let maxSteps = self.maxSteps, self.globalStep >= maxSteps { self.shouldStop = true }
            if budget.isSpent { self.shouldStop = true }
            if self.shouldStop { engine.terminate() }
            return loss
        }
        engine.communicator = communicator
        engine.optimization = optimization
        engine.profiler = profiler
        engine.name = "training"
        registerTrainingEvents(on: engine, module: module, context: context, optimizer: optimizer, validation: validation)
        return engine
    }

    /// One training batch: the batch hooks, the module's step, the shared optimization step (or
    /// manual optimization's bookkeeping), epoch schedules, and the step's logged values.
    private func trainBatch<M: TrainingModule>(_ batch: M.Batch, engine: Engine<M.Batch, Tensor?>, module: M, context: TrainerContext,
                                               optimization: OptimizationStep) throws -> Tensor? {
        let index = engine.state.iterationInEpoch - 1
        let lastOfEpoch = engine.state.iterationInEpoch == engine.state.epochLength
        context.batchSize = (batch as? LabeledBatch)?.count ?? 1
        dispatch(.trainBatchStart, { $0.onTrainBatchStart(trainer: self, batchIndex: index) }) {
            module.onTrainBatchStart(batch, batchIndex: index)
        }
        context.hook = .trainingStep
        let loss = try profiler.map { try $0.measure("module.trainingStep", category: .hook) { try module.trainingStep(batch, batchIndex: index) } }
            ?? module.trainingStep(batch, batchIndex: index)
        // Logged values are visible to callbacks at once, as in Lightning.
        let results = context.results
        publisher.show(results.pendingStepValues)
        let shownUpTo = results.stepValuesLogged
        if module.automaticOptimization, let loss {
            try optimization.apply(loss: loss, examples: context.batchSize, endsEpoch: lastOfEpoch)
        } else if !module.automaticOptimization {
            try throwPendingDataError()
            try optimization.synchronizeBuffers()
            optimization.countManualStep()
            globalStep += 1
        }
        if lastOfEpoch { optimization.epochEnded(engine.state.epoch) }
        try dispatch(.trainBatchEnd, { try $0.onTrainBatchEnd(trainer: self, batchIndex: index) }) {
            module.onTrainBatchEnd(loss, batch: batch, batchIndex: index)
        }
        try results.publishStepValues(to: publisher, step: globalStep, epoch: currentEpoch, showing: results.stepValuesLogged != shownUpTo)
        return loss
    }

    /// The module's and callbacks' run, epoch and error hooks, validation within and at the end
    /// of epochs, epoch values and plateau schedules, as handlers of the training engine.
    private func registerTrainingEvents<M: TrainingModule, Source: BatchSource>(
        on engine: Engine<M.Batch, Tensor?>, module: M, context: TrainerContext, optimizer: any Optimizer, validation: Source?
    ) where Source.Batch == M.Batch {
        engine.on(.started, named: "Trainer") { [unowned self] _ in
            self.shouldStop = false
            self.dispatch(.trainStart, { $0.onTrainStart(trainer: self) }) { module.onTrainStart() }
        }
        engine.on(.epochStarted, named: "Trainer") { [unowned self] engine in
            context.results = LoggedValues()
            module.train()
            self.dispatch(.trainEpochStart, { $0.onTrainEpochStart(trainer: self) }) { module.onTrainEpochStart() }
        }
        if let validation {
            // Validation inside and at the end of epochs, by Events' schedule.
            EvaluationSchedule(interval: validationInterval, everyEpochs: checkValidationEveryEpochs).attach(to: engine) { [unowned self] _ in
                try self.validateWithinFit(module, validation, context: context)
            }
        }
        engine.on(.epochCompleted, named: "Trainer") { [unowned self] engine in
            // Monitoring callbacks run after the module's hook, once the epoch's values are known.
            try self.dispatch(.trainEpochEnd, { if !$0.isMonitoring { try $0.onTrainEpochEnd(trainer: self) } }) { module.onTrainEpochEnd() }
            try self.publisher.publishEpoch(try context.results.epochValues(over: self.communicator), step: self.globalStep, epoch: self.currentEpoch)
            try self.reduceOnPlateau(optimizer)
            for callback in self.orderedCallbacks where callback.isMonitoring { try callback.onTrainEpochEnd(trainer: self) }
            try self.publisher.flush()   // a killed run loses at most this epoch
            if self.shouldStop { engine.terminate() }
        }
        engine.on(.completed, named: "Trainer") { [unowned self] _ in
            self.dispatch(.trainEnd, { $0.onTrainEnd(trainer: self) }) { module.onTrainEnd() }
        }
        engine.onError { [unowned self] _, error in
            self.dispatch(.exception, { $0.onException(trainer: self, error: error) }) { module.onException(error) }
            self.publisher.fail()
            return false
        }
    }

    private func validateWithinFit<M: TrainingModule, Source: BatchSource>(_ module: M, _ validation: Source, context: TrainerContext) throws
    where Source.Batch == M.Batch {
        guard !context.lacksValidationStep else { return }
        let trainingResults = context.results
        let batches = overfitBatches.map { $0.batches(of: validation.batchesPerEpoch) }
            ?? fastDevRun.map { Swift.min($0, validation.batchesPerEpoch) }
            ?? limitValidationBatches.batches(of: validation.batchesPerEpoch)
        _ = try evaluate(module, validation, stage: .validate, batches: batches, context: context)
        context.results = trainingResults
        module.train()
    }

    // MARK: Plateau schedules

    /// Applies a `reduceOnPlateau` schedule at the end of an epoch.
    private func reduceOnPlateau(_ optimizer: any Optimizer) throws {
        guard let configuration = schedulerConfiguration, let rule = configuration.plateau,
              (currentEpoch + 1) % configuration.frequency == 0 else { return }
        guard let value = callbackMetrics[rule.monitor] else {
            throw TrainerError.monitoredMetricMissing(callback: "the reduceOnPlateau schedule", monitor: rule.monitor,
                                                      available: Array(callbackMetrics.keys))
        }
        plateau?.observe(value)
    }

    // MARK: Resuming

    private func restore<M: TrainingModule>(_ point: ResumePoint, module: M, optimizer: any Optimizer,
                                            engine: Engine<M.Batch, Tensor?>, context: TrainerContext) throws {
        let path = try point.file(lastIn: checkpointCallbacks.map(\.directory), best: checkpointCallbacks.first?.bestCheckpointOnDisk())
        let checkpoint = try engine.resume(from: path, model: module, optimizer: optimizer, scheduler: scheduler)
        let progress = try checkpoint.extra.component(TrainerProgress.self)
        let step = progress?.globalStep ?? checkpoint.step
        guard (0...engine.state.iteration).contains(step) else {
            throw CheckpointError.corrupt(path: path, reason: "the trainer's global step \(step) is not within the run's \(engine.state.iteration) iterations")
        }
        globalStep = step
        if let plateau, let state = progress?.plateau { plateau.restore(state) }
        try module.onLoadCheckpoint(checkpoint.extra)
        try dispatch(.loadCheckpoint, { try $0.onLoadCheckpoint(trainer: self, entries: checkpoint.extra) })
    }
}
