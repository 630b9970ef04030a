import TensorCore

extension MetricsLogger {
    /// Flushes at the end of every epoch, and finishes the run when the engine completes (or
    /// fails, with `succeeded` false), on rank 0. ``attach(to:at:values:)`` registers this itself.
    @discardableResult
    public func attachFlushing<B, O>(to engine: Engine<B, O>) -> [HandlerRegistration] {
        [engine.on(.epochCompleted, named: "\(Self.self)") { engine in
            guard engine.communicator.isMain else { return }
            try self.flush()
        },
        engine.on(.completed, named: "\(Self.self)") { engine in
            guard engine.communicator.isMain else { return }
            try self.finish(succeeded: true)
        },
        engine.onError { engine, _ in
            if engine.communicator.isMain { try? self.finish(succeeded: false) }
            return false
        }]
    }

    /// Logs every table of `source`'s state (``EngineState/tables``: a confusion matrix, per-class
    /// scores) at `engine`'s iteration whenever `trigger` fires on `engine` (each epoch by
    /// default), on rank 0.
    ///
    /// ```swift
    /// logger.attachTables(of: evaluator, to: trainer)   // the evaluator's confusion matrix
    /// ```
    @discardableResult
    public func attachTables<B, O, SB, SO>(of source: Engine<SB, SO>, to engine: Engine<B, O>,
                                            at trigger: Trigger = .epochCompleted) -> HandlerRegistration {
        engine.on(trigger, named: "\(Self.self) tables") { engine in
            guard engine.communicator.isMain else { return }
            for name in source.state.tables.keys.sorted() {
                try self.logTable(name, values: source.state.tables[name]!, step: engine.state.iteration)
            }
        }
    }

    /// Logs histograms of every parameter of `model` (`weights/<name>`) and of its gradient
    /// (`gradients/<name>`, when it has one) at the engine's iteration whenever `trigger` fires
    /// (each epoch by default), on rank 0.
    ///
    /// ```swift
    /// board.attachHistograms(of: model, to: trainer)
    /// ```
    @discardableResult
    public func attachHistograms<B, O>(of model: any Module, to engine: Engine<B, O>,
                                       at trigger: Trigger = .epochCompleted) -> HandlerRegistration {
        engine.on(trigger, named: "\(Self.self) histograms") { engine in
            guard engine.communicator.isMain else { return }
            try self.logParameterHistograms(of: model, step: engine.state.iteration)
        }
    }

    /// Histograms of every parameter of `model` and of its gradient at `step`: the one
    /// implementation behind the Events handler and the Structured callback.
    public func logParameterHistograms(of model: any Module, step: Int) throws {
        for (name, parameter) in model.namedParameters {
            try logHistogram("weights/\(name)", values: parameter, step: step)
            if let gradient = parameter.gradient { try logHistogram("gradients/\(name)", values: gradient, step: step) }
        }
    }
}
