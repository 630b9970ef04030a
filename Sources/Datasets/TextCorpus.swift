import Foundation
import TensorCore

/// A text file read as bytes and encoded with its character vocabulary, split into a training
/// part (the first 90% by default) and a validation part (the rest), as the character-level
/// Shakespeare setup does.
///
/// ```swift
/// let corpus = try TextCorpus(contentsOf: "../shared/data/shakespeare/tragedies.txt", context: 64)
/// let train = TokenWindowDataset(tokens: corpus.training, context: 64, windows: 2000 * 12, seed: 0)
/// ```
public struct TextCorpus: Sendable {
    /// Where the text came from (used in error messages).
    public let source: String
    /// The vocabulary the tokens use.
    public let vocabulary: CharacterVocabulary
    /// The whole text as token ids.
    public let tokens: [Int32]
    /// The first `trainingFraction` of ``tokens``.
    public let training: [Int32]
    /// The rest of ``tokens``.
    public let validation: [Int32]

    /// Reads and encodes the file at `path`. Each split must hold at least one window of
    /// `context` tokens and its next token.
    ///
    /// With `vocabulary` (a checkpoint's), the text must use only its symbols; otherwise the
    /// vocabulary is the text's own.
    /// - Throws: ``DataError/notFound(file:searched:hint:)``, ``DataError/unreadable(file:reason:)``,
    ///   ``DataError/corpusTooShort(file:characters:needed:)`` or ``DataError/unknownCharacter(file:byte:offset:)``.
    public init(contentsOf path: String, context: Int, trainingFraction: Double = 0.9,
                vocabulary: CharacterVocabulary? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.notFound(file: (path as NSString).lastPathComponent, searched: [path], hint: "Pass the corpus with --data FILE.")
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DataError.unreadable(file: path, reason: readableReason(error))
        }
        try self.init(bytes: bytes, source: path, context: context, trainingFraction: trainingFraction, vocabulary: vocabulary)
    }

    /// A corpus of `bytes` (see ``init(contentsOf:context:trainingFraction:vocabulary:)``).
    public init(bytes: [UInt8], source: String, context: Int, trainingFraction: Double = 0.9,
                vocabulary: CharacterVocabulary? = nil) throws {
        guard trainingFraction > 0, trainingFraction < 1 else {
            preconditionFailure("TextCorpus: trainingFraction \(trainingFraction) is not strictly between 0 and 1")
        }
        // Both splits need a full window and its next token.
        func fits(_ count: Int) -> Bool {
            let cut = Int(trainingFraction * Double(count))
            return cut >= context + 1 && count - cut >= context + 1
        }
        let cut = Int(trainingFraction * Double(bytes.count))
        guard fits(bytes.count) else {
            let needed = (2 * (context + 1)..<Int.max).first(where: fits) ?? Int.max
            throw DataError.corpusTooShort(file: source, characters: bytes.count, needed: needed)
        }
        let vocabulary = vocabulary ?? CharacterVocabulary(of: bytes)
        self.source = source
        self.vocabulary = vocabulary
        tokens = try vocabulary.encode(bytes, source: source)
        training = Array(tokens[..<cut])
        validation = Array(tokens[cut...])
    }
}
