import Events

/// A run's hook dispatch: the callbacks in calling order, the profiler and the context, fixed
/// when the run starts.
///
/// Its properties are constants, so the hooks of a batch read no variable of the trainer: each
/// such read is checked for exclusive access at run time, and a training batch dispatches six
/// hooks to every callback.
final class HookDispatcher {
    /// The callbacks in calling order, monitoring ones last.
    let callbacks: [any Callback]
    let profiler: RunProfiler?
    /// Where the current hook is marked, for `log` and ``Trainer/hookPlaces``.
    let context: TrainerContext?

    init(callbacks: [any Callback] = [], profiler: RunProfiler? = nil, context: TrainerContext? = nil) {
        (self.callbacks, self.profiler, self.context) = (callbacks, profiler, context)
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
        guard let profiler else {
            for each in callbacks { try callback(each) }
            return
        }
        for each in callbacks { try profiler.measure("\(type(of: each)).\(hook.rawValue)", category: .hook) { try callback(each) } }
    }
}
