import Foundation
import TensorCore

/// How many seeded mutations each fuzzed file gets.
public let fuzzMutationsPerFile = 1500

/// Mutations: truncation, bit flips, huge and negative numbers, overlapping offsets, broken
/// JSON, wrong dtypes, and huge sizes in binary headers.
public func mutateFile(_ bytes: [UInt8], using generator: inout RandomGenerator) -> [UInt8] {
    var result = bytes
    switch Int.random(in: 0..<7, using: &generator) {
    case 0:   // truncation
        result = Array(result.prefix(Int.random(in: 0..<max(result.count, 1), using: &generator)))
    case 1:   // bit flips
        for _ in 0..<Int.random(in: 1...8, using: &generator) where !result.isEmpty {
            result[Int.random(in: 0..<result.count, using: &generator)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        }
    case 2:   // a number in the text replaced by a huge, negative or odd one
        let digits = result.indices.filter { (48...57).contains(result[$0]) }
        if let at = digits.randomElement(using: &generator) {
            var end = at
            while end < result.count, (48...57).contains(result[end]) { end += 1 }
            let replacement = ["99999999999999999999", "-1", "1e300", "1099511627776", "0", "4294967296", "-9223372036854775808", "2.5"]
                .randomElement(using: &generator)!
            result.replaceSubrange(at..<end, with: Array(replacement.utf8))
        }
    case 3:   // data offsets made to overlap: one offset moved back by 4
        if let range = find(Array("data_offsets\":[".utf8), in: result) {
            var index = range.upperBound
            while index < result.count, result[index] != UInt8(ascii: "]") { index += 1 }
            result.replaceSubrange(range.upperBound..<index, with: Array("4,12".utf8))
        }
    case 4:   // broken JSON
        if !result.isEmpty {
            let at = Int.random(in: 8..<max(result.count, 9), using: &generator) % result.count
            result[at] = [UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: ","), 0].randomElement(using: &generator)!
        }
    case 5:   // wrong dtype
        if let range = find(Array("F32".utf8), in: result) {
            result.replaceSubrange(range, with: Array(["F16", "I64", "Q8_", "BF1", "F64"].randomElement(using: &generator)!.utf8))
        }
    default:  // a huge or negative size in the first binary words (header length, IDX dimensions)
        if result.count >= 8 {
            let at = Int.random(in: 0..<4, using: &generator) * 4
            let word: [UInt8] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0]].randomElement(using: &generator)!
            for (offset, byte) in word.enumerated() where at + offset < result.count { result[at + offset] = byte }
        }
    }
    return result
}

func find(_ needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
        return start..<(start + needle.count)
    }
    return nil
}

/// Runs `load` on `mutationsPerFile` mutations of `original`, written to a file each time;
/// returns how many loaded and how many threw.
public func fuzzFiles(_ original: [UInt8], name: String, seed: UInt64, load: (String) throws -> Void) throws -> (loaded: Int, threw: Int) {
    let folder = try makeTemporaryFolder(name)
    var generator = RandomGenerator(seed: seed)
    var loaded = 0, threw = 0
    for index in 0..<fuzzMutationsPerFile {
        let path = "\(folder)/\(index)-\(name)"
        try Data(mutateFile(original, using: &generator)).write(to: URL(fileURLWithPath: path))
        do { try load(path); loaded += 1 } catch { threw += 1 }
        try? FileManager.default.removeItem(atPath: path)
    }
    return (loaded, threw)
}
