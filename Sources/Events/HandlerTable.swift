/// An engine's event handlers by event, in registration order.
///
/// Nothing in it depends on the engine's batch and output types. The engine's loop runs as
/// unspecialized generic code (it is compiled once, in this module, for every batch type), and
/// there a table of a generic handler type asks the runtime for that type's metadata on every
/// access: a few hundred instructions for each of the four events a batch fires. The built-in
/// events are found by their position in an array, without hashing.
struct HandlerTable {
    struct Handler {
        let id: Int
        let clause: Trigger.Clause
        let name: String?
        /// The registered action, bound to its engine.
        let run: () throws -> Void
    }

    private var builtIn = [[Handler]](repeating: [], count: EventKind.builtInCount)
    private var custom: [String: [Handler]] = [:]

    /// The handlers of `kind`, in registration order.
    subscript(kind: EventKind) -> [Handler] {
        if let index = kind.builtInIndex { return builtIn[index] }
        guard case .custom(let name) = kind else { return [] }
        return custom[name] ?? []
    }

    mutating func append(_ handler: Handler, for kind: EventKind) {
        if let index = kind.builtInIndex {
            builtIn[index].append(handler)
        } else if case .custom(let name) = kind {
            custom[name, default: []].append(handler)
        }
    }

    /// Removes the handlers registered under `id`, from every event.
    mutating func remove(id: Int) {
        for index in builtIn.indices { builtIn[index].removeAll { $0.id == id } }
        for name in custom.keys { custom[name]?.removeAll { $0.id == id } }
    }
}

extension EventKind {
    /// How many events are not custom.
    static let builtInCount = 11

    /// The event's position among the events that are not custom (`nil` for custom events).
    var builtInIndex: Int? {
        switch self {
        case .started: 0
        case .epochStarted: 1
        case .batchFetchStarted: 2
        case .batchFetchCompleted: 3
        case .iterationStarted: 4
        case .iterationCompleted: 5
        case .terminateSingleEpoch: 6
        case .terminate: 7
        case .interrupt: 8
        case .epochCompleted: 9
        case .completed: 10
        case .custom: nil
        }
    }
}
