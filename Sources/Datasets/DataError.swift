/// Problems with a data file: what is wrong and which file.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// None of the searched folders holds the files, and they could not be downloaded.
    case notFound(file: String, searched: [String], hint: String)
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The file ends before the data its header announces.
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    /// The file is longer than its header announces (`actualBytes` is what was read before
    /// stopping: reading stops one byte past the announced size).
    case trailingBytes(file: String, expectedBytes: Int, actualBytes: Int)
    /// The file's magic number is not the one for its kind of data.
    case wrongMagic(file: String, expected: UInt32, found: UInt32)
    /// The header's dimensions are not the expected ones.
    case wrongDimensions(file: String, expected: [Int], found: [Int])
    /// Images and labels disagree in count.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label outside the valid classes.
    case invalidLabel(file: String, index: Int, value: Int)
    /// The file's MD5 is not the published one.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// A download failed.
    case downloadFailed(url: String, reason: String)
    /// A text corpus is shorter than one training window (`needed` characters).
    case corpusTooShort(file: String, characters: Int, needed: Int)
    /// A row of a CSV file cannot be read.
    case malformedRow(file: String, line: Int, reason: String)
    /// Text holds a character the vocabulary (for example a checkpoint's) does not know.
    case unknownCharacter(file: String, byte: UInt8, offset: Int)

    /// The problem in one line: what is wrong and where.
    public var description: String {
        switch self {
        case let .notFound(file, searched, hint):
            "\(file) not found in \(searched.joined(separator: ", ")). \(hint)"
        case let .unreadable(file, reason):
            "\(file): cannot be read: \(reason)"
        case let .unwritable(file, reason):
            "\(file): cannot be written: \(reason)"
        case let .truncated(file, expected, actual):
            "\(file): truncated: header announces \(expected) bytes, file has \(actual)"
        case let .trailingBytes(file, expected, actual):
            "\(file): longer than the \(expected) bytes its header announces (read \(actual) before stopping)"
        case let .wrongMagic(file, expected, found):
            "\(file): wrong magic number \(found) (expected \(expected)); is this the right IDX file?"
        case let .wrongDimensions(file, expected, found):
            "\(file): dimensions \(found), expected \(expected)"
        case let .countMismatch(images, imageCount, labels, labelCount):
            "\(images) has \(imageCount) images but \(labels) has \(labelCount) labels"
        case let .invalidLabel(file, index, value):
            "\(file): label \(value) at index \(index) is not a digit 0-9"
        case let .checksumMismatch(file, expected, actual):
            "\(file): MD5 \(actual) does not match the published \(expected)"
        case let .downloadFailed(url, reason):
            "download of \(url) failed: \(reason)"
        case let .corpusTooShort(file, characters, needed) where characters == 0:
            "\(file): the corpus is empty; it needs at least \(needed) characters"
        case let .corpusTooShort(file, characters, needed):
            "\(file): the corpus has \(characters) characters; it needs at least \(needed), so that training and validation each hold a window of context + 1"
        case let .malformedRow(file, line, reason):
            "\(file):\(line): \(reason)"
        case let .unknownCharacter(file, byte, offset):
            "\(file): byte \(byte) at offset \(offset) is not in the vocabulary"
        }
    }
}
