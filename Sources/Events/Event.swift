/// The moments of a run at which handlers can act, in the order the engine reaches them.
///
/// | event | fires |
/// | --- | --- |
/// | `started` | once at the start of `run` (also when resuming) |
/// | `epochStarted` | at the start of each epoch (also when resuming mid-epoch) |
/// | `batchFetchStarted`, `batchFetchCompleted` | around taking the next batch from the data |
/// | `iterationStarted`, `iterationCompleted` | around the step |
/// | `terminateSingleEpoch` | after ``Engine/terminateEpoch()``, before `epochCompleted` |
/// | `terminate` | after ``Engine/terminate()``, before `epochCompleted` and `completed` |
/// | `interrupt` | after ``Engine/interrupt()``, instead of `epochCompleted` and `completed` (the run pauses) |
/// | `epochCompleted` | at the end of each epoch, also a cut-short one |
/// | `completed` | once at the end of the run |
/// | `custom(name)` | when the step or a handler calls ``Engine/fire(_:)`` |
///
/// Errors have their own registration, ``Engine/onError(_:)``.
public enum EventKind: Hashable, Sendable, CustomStringConvertible {
    case started, epochStarted, batchFetchStarted, batchFetchCompleted, iterationStarted, iterationCompleted
    case terminateSingleEpoch, terminate, interrupt, epochCompleted, completed
    case custom(String)

    /// Epoch events count epochs; every other event counts iterations.
    var countsEpochs: Bool {
        switch self {
        case .started, .epochStarted, .epochCompleted, .completed, .terminate: true
        default: false
        }
    }

    /// The event's name, as in Ignite (`started`, `iterationCompleted`, a custom name).
    public var description: String {
        switch self {
        case .started: "started"
        case .epochStarted: "epochStarted"
        case .batchFetchStarted: "batchFetchStarted"
        case .batchFetchCompleted: "batchFetchCompleted"
        case .iterationStarted: "iterationStarted"
        case .iterationCompleted: "iterationCompleted"
        case .terminateSingleEpoch: "terminateSingleEpoch"
        case .terminate: "terminate"
        case .interrupt: "interrupt"
        case .epochCompleted: "epochCompleted"
        case .completed: "completed"
        case .custom(let name): name
        }
    }
}

/// When a handler runs: one or more events, each with an optional filter on its count (the
/// epoch for epoch events, the global iteration for the others, both 1-based).
///
/// ```swift
/// engine.on(.iterationCompleted(every: 100)) { engine in print(engine.state.iteration) }
/// engine.on(.epochCompleted | .completed) { engine in save(engine) }
/// engine.on(.epochStarted(after: 2, before: 10)) { _ in ... }
/// engine.on(.iterationCompleted(where: { _, iteration in iteration.isMultiple(of: 7) })) { _ in ... }
/// ```
public struct Trigger: Sendable {
    struct Clause: Sendable {
        let kind: EventKind
        let every: Int?, once: Set<Int>?, before: Int?, after: Int?
        let predicate: (@Sendable (_ count: Int) -> Bool)?

        func matches(_ count: Int) -> Bool {
            if let every, count % every != 0 { return false }
            if let once, !once.contains(count) { return false }
            if let before, count >= before { return false }
            if let after, count <= after { return false }
            if let predicate, !predicate(count) { return false }
            return true
        }
    }

    let clauses: [Clause]

    init(kind: EventKind, every: Int? = nil, once: Set<Int>? = nil, before: Int? = nil, after: Int? = nil,
         predicate: (@Sendable (Int) -> Bool)? = nil) {
        if let every { precondition(every >= 1, "every must be at least 1, got \(every)") }
        clauses = [Clause(kind: kind, every: every, once: once, before: before, after: after, predicate: predicate)]
    }

    private init(clauses: [Clause]) { self.clauses = clauses }

    /// Either trigger.
    public static func | (lhs: Trigger, rhs: Trigger) -> Trigger { Trigger(clauses: lhs.clauses + rhs.clauses) }

    /// Once, when `run` starts (or resumes).
    public static let started = Trigger(kind: .started)
    /// At the start of every epoch.
    public static let epochStarted = Trigger(kind: .epochStarted)
    /// Before each batch is fetched from the data.
    public static let batchFetchStarted = Trigger(kind: .batchFetchStarted)
    /// After each batch is fetched, before the iteration starts.
    public static let batchFetchCompleted = Trigger(kind: .batchFetchCompleted)
    /// Before each step.
    public static let iterationStarted = Trigger(kind: .iterationStarted)
    /// After each step, with its output in the state.
    public static let iterationCompleted = Trigger(kind: .iterationCompleted)
    /// When `terminateEpoch()` ends an epoch early.
    public static let terminateSingleEpoch = Trigger(kind: .terminateSingleEpoch)
    /// When `terminate()` stops the run, before the epoch's end is fired.
    public static let terminate = Trigger(kind: .terminate)
    /// After ``Engine/interrupt()``: the run pauses here and a later `run` resumes it.
    public static let interrupt = Trigger(kind: .interrupt)
    /// At the end of every epoch.
    public static let epochCompleted = Trigger(kind: .epochCompleted)
    /// Once, when the run ends (also after `terminate()`).
    public static let completed = Trigger(kind: .completed)

    /// A custom event, fired with ``Engine/fire(_:)``.
    public static func custom(_ name: String) -> Trigger { Trigger(kind: .custom(name)) }

    /// `kind`, filtered: every `every`-th count, only the counts in `once`, counts before `before`
    /// and after `after`; all given conditions must hold.
    public static func on(_ kind: EventKind, every: Int? = nil, once: [Int]? = nil, before: Int? = nil, after: Int? = nil) -> Trigger {
        Trigger(kind: kind, every: every, once: once.map(Set.init), before: before, after: after)
    }

    /// `kind` whenever `predicate(engine count)` holds.
    public static func on(_ kind: EventKind, where predicate: @escaping @Sendable (_ count: Int) -> Bool) -> Trigger {
        Trigger(kind: kind, predicate: predicate)
    }

    /// `epochStarted` filtered: every n-th epoch, only the listed ones, or before or after a given epoch.
    public static func epochStarted(every: Int? = nil, once: [Int]? = nil, before: Int? = nil, after: Int? = nil) -> Trigger {
        on(.epochStarted, every: every, once: once, before: before, after: after)
    }
    /// `epochCompleted` filtered: every n-th epoch, only the listed ones, or before or after a given epoch.
    public static func epochCompleted(every: Int? = nil, once: [Int]? = nil, before: Int? = nil, after: Int? = nil) -> Trigger {
        on(.epochCompleted, every: every, once: once, before: before, after: after)
    }
    /// `iterationStarted` filtered: every n-th iteration, only the listed ones, or before or after a given one.
    public static func iterationStarted(every: Int? = nil, once: [Int]? = nil, before: Int? = nil, after: Int? = nil) -> Trigger {
        on(.iterationStarted, every: every, once: once, before: before, after: after)
    }
    /// `iterationCompleted` filtered: every n-th iteration, only the listed ones, or before or after a given one.
    public static func iterationCompleted(every: Int? = nil, once: [Int]? = nil, before: Int? = nil, after: Int? = nil) -> Trigger {
        on(.iterationCompleted, every: every, once: once, before: before, after: after)
    }
    /// `iterationCompleted` for the iterations `predicate` accepts.
    public static func iterationCompleted(where predicate: @escaping @Sendable (_ iteration: Int) -> Bool) -> Trigger {
        on(.iterationCompleted, where: predicate)
    }
    /// `epochCompleted` for the epochs `predicate` accepts.
    public static func epochCompleted(where predicate: @escaping @Sendable (_ epoch: Int) -> Bool) -> Trigger {
        on(.epochCompleted, where: predicate)
    }
}
