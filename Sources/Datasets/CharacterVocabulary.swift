import TensorCore

/// The symbols of a character-level model: the sorted distinct bytes of a corpus, each mapped
/// to its position (the vocabulary of the usual character-level Shakespeare setup).
///
/// It is `Codable` so that a checkpoint can carry it and a run can refuse text or weights made
/// with another vocabulary.
///
/// ```swift
/// let vocabulary = CharacterVocabulary(of: Array("hello".utf8))   // symbols "ehlo"
/// vocabulary.decode(vocabulary.encode(Array("hole".utf8)))            // "hole"
/// ```
public struct CharacterVocabulary: Codable, Equatable, Sendable {
    /// The bytes, in increasing order; a byte's token id is its position here.
    public let symbols: [UInt8]
    private let ids: [Int32]

    /// The sorted distinct bytes of `text`.
    public init(of text: some Sequence<UInt8>) {
        var seen = [Bool](repeating: false, count: 256)
        for byte in text { seen[Int(byte)] = true }
        self.init(symbols: (0..<256).filter { seen[$0] }.map(UInt8.init))
    }

    /// A vocabulary of exactly `symbols` (sorted and made distinct).
    public init(symbols: [UInt8]) {
        self.symbols = Array(Set(symbols)).sorted()
        var ids = [Int32](repeating: -1, count: 256)
        for (id, byte) in self.symbols.enumerated() { ids[Int(byte)] = Int32(id) }
        self.ids = ids
    }

    private enum CodingKeys: String, CodingKey { case symbols }

    /// Reads the symbols written by `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        self.init(symbols: try decoder.container(keyedBy: CodingKeys.self).decode([UInt8].self, forKey: .symbols))
    }

    /// Writes the symbols only; the lookup table is rebuilt on reading.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(symbols, forKey: .symbols)
    }

    /// The number of symbols.
    public var count: Int { symbols.count }

    /// The token ids of `text`.
    /// - Throws: ``DataError/unknownCharacter(file:byte:offset:)`` for a byte outside the vocabulary;
    ///   `source` names the text in that error.
    public func encode(_ text: some Collection<UInt8>, source: String = "text") throws -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(text.count)
        for (offset, byte) in text.enumerated() {
            let id = ids[Int(byte)]
            guard id >= 0 else { throw DataError.unknownCharacter(file: source, byte: byte, offset: offset) }
            result.append(id)
        }
        return result
    }

    /// The text of `tokens`; ids outside the vocabulary become `?`.
    public func decode(_ tokens: some Sequence<Int32>) -> String {
        String(decoding: tokens.map { (0..<Int32(count)).contains($0) ? symbols[Int($0)] : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

extension CharacterVocabulary: CheckpointComponent {
    /// Stored under `"vocabulary"`, so a resumed run reads text with the checkpoint's symbols.
    public static let checkpointKey = "vocabulary"
    /// The layout version: 1.
    public static let checkpointVersion = 1
}
