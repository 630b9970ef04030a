import Events

/// A run's hook dispatch: the callbacks in calling order, the profiler and the context, fixed
/// when the run starts.
///
/// Its properties are constants, so the hooks of a batch read no variable of the trainer: each
/// such read is checked for exclusive access at run time, and a training batch dispatches six
/// hooks. A per-batch hook goes to the callbacks that implement it: the package's own callbacks
/// say which per-batch hooks they implement (``ImplementsBatchHooks``); a user's callback gets
/// every hook, as in Lightning.
final class HookDispatcher {
    /// The callbacks in calling order, monitoring ones last.
    let callbacks: [any Callback]
    let profiler: RunProfiler?
    /// Where the current hook is marked, for `log` and ``Trainer/hookPlaces``.
    let context: TrainerContext?
    /// The callbacks each hook goes to, in calling order, by ``Hook/index``.
    private let callbacksByHook: [[any Callback]]

    init(callbacks: [any Callback] = [], profiler: RunProfiler? = nil, context: TrainerContext? = nil) {
        (self.callbacks, self.profiler, self.context) = (callbacks, profiler, context)
        var callbacksByHook = [[any Callback]](repeating: callbacks, count: Hook.allCases.count)
        for hook in Hook.perBatch {
            callbacksByHook[hook.index] = callbacks.filter { callback in
                guard let declared = callback as? any ImplementsBatchHooks else { return true }
                return type(of: declared).batchHooks.contains(hook)
            }
        }
        self.callbacksByHook = callbacksByHook
    }

    /// Marks `hook` as the current hook (which decides what `log` may do in it), runs each
    /// callback's version in calling order, then the module's.
    func dispatch(_ hook: Hook, _ callback: (any Callback) throws -> Void, module: () throws -> Void) rethrows {
        try dispatch(hook, callback)
        guard let profiler else { return try module() }
        try profiler.measure("module.\(hook.rawValue)", category: .hook, module)
    }

    /// ``dispatch(_:_:module:)`` for hooks that only callbacks have.
    func dispatch(_ hook: Hook, _ callback: (any Callback) throws -> Void) rethrows {
        context?.hook = hook
        let callbacks = callbacksByHook[hook.index]
        guard let profiler else {
            for each in callbacks { try callback(each) }
            return
        }
        for each in callbacks { try profiler.measure("\(type(of: each)).\(hook.rawValue)", category: .hook) { try callback(each) } }
    }
}

/// A callback of this package that names the per-batch hooks (``Hook/perBatch``) it implements,
/// so that the dispatcher leaves it out of the others: they run thousands of times an epoch.
/// Its other hooks are called as every callback's are. The package's callbacks are final
/// classes, so no subclass can implement a hook the declaration leaves out.
protocol ImplementsBatchHooks: Callback {
    /// The per-batch hooks this callback implements.
    static var batchHooks: Set<Hook> { get }
}

extension Hook {
    /// The hooks that run for every batch.
    static let perBatch: Set<Hook> = [.trainBatchStart, .trainBatchEnd, .beforeZeroGrad, .beforeBackward, .afterBackward,
                                      .beforeOptimizerStep, .validationBatchStart, .validationBatchEnd, .testBatchStart, .testBatchEnd]
}
