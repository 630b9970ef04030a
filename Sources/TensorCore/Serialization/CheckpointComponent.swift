import Foundation

/// A typed, versioned part of a training checkpoint's state (an engine's position, an
/// accumulation window, a handler's bookkeeping), stored in ``TrainingCheckpoint/extra`` as JSON
/// under one key: `{"version": 1, "value": {...}}`. Reading checks the version, so a checkpoint
/// written with another layout is refused with a clear error instead of misread.
///
/// ```swift
/// struct Position: CheckpointComponent {
///     static let checkpointKey = "engine"
///     static let checkpointVersion = 1
///     var iteration: Int
/// }
/// var entries: [String: String] = [:]
/// entries.store(Position(iteration: 42))
/// let position = try entries.component(Position.self)   // Position(iteration: 42)
/// ```
public protocol CheckpointComponent: Codable {
    /// The entry the component is stored under by default.
    static var checkpointKey: String { get }
    /// The layout's version; a stored component of another version is refused.
    static var checkpointVersion: Int { get }
}

/// How a component is wrapped in its entry.
private struct Envelope<Value: Codable>: Codable {
    let version: Int
    let value: Value
}

/// The version alone, read first so that a different layout gives a version error.
private struct VersionOnly: Codable {
    let version: Int
}

extension Dictionary where Key == String, Value == String {
    /// Stores `component` under `key` (by default the type's ``CheckpointComponent/checkpointKey``).
    public mutating func store<Component: CheckpointComponent>(_ component: Component, under key: String? = nil) {
        let envelope = Envelope(version: Component.checkpointVersion, value: component)
        let data = (try? JSONEncoder().encode(envelope)) ?? Data()
        self[key ?? Component.checkpointKey] = String(decoding: data, as: UTF8.self)
    }

    /// The component stored under `key` (by default the type's key), or nil when there is none.
    /// - Throws: ``CheckpointError/incompatibleComponent(name:found:expected:)`` for another
    ///   version, ``CheckpointError/malformedComponent(name:reason:)`` for an entry that does not decode.
    public func component<Component: CheckpointComponent>(_ type: Component.Type, under key: String? = nil) throws -> Component? {
        let name = key ?? Component.checkpointKey
        guard let text = self[name] else { return nil }
        let data = Data(text.utf8)
        guard let version = try? JSONDecoder().decode(VersionOnly.self, from: data) else {
            throw CheckpointError.malformedComponent(name: name, reason: "not a versioned component")
        }
        guard version.version == Component.checkpointVersion else {
            throw CheckpointError.incompatibleComponent(name: name, found: version.version, expected: Component.checkpointVersion)
        }
        do {
            return try JSONDecoder().decode(Envelope<Component>.self, from: data).value
        } catch {
            throw CheckpointError.malformedComponent(name: name, reason: "\(error)")
        }
    }
}
