import Foundation
import TensorCore

extension TensorDataset {
    /// Examples from rows of numbers: `features[i]` is example `i`'s input, `labels[i]` its label.
    ///
    /// ```swift
    /// let data = TensorDataset(features: [[0, 1], [1, 0]], labels: [1, 0])
    /// ```
    public init(features: [[Float]], labels: [Float]) {
        let width = features.first?.count ?? 0
        precondition(features.allSatisfy { $0.count == width }, "TensorDataset: feature rows have different lengths")
        self.init(inputs: Tensor(features.flatMap { $0 }, shape: [features.count, width]),
                  labels: Tensor(labels, shape: [labels.count]))
    }

    /// Examples from a CSV file of numbers: one row per example, the column `labelColumn` (the
    /// last by default; negative counts from the end) as the label and the others as features.
    /// With `hasHeader`, the first line names the columns and is skipped.
    /// - Throws: ``DataError/notFound(file:searched:hint:)`` or ``DataError/unreadable(file:reason:)``
    ///   for the file, ``DataError/malformedRow(file:line:reason:)`` naming the line of a row with
    ///   the wrong number of fields or a field that is not a number.
    public init(csvAt path: String, labelColumn: Int = -1, hasHeader: Bool = true) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.notFound(file: (path as NSString).lastPathComponent, searched: [path], hint: "Check the path.")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw DataError.unreadable(file: path, reason: readableReason(error)) }
        var features: [Float] = [], labels: [Float] = []
        var width: Int?
        // `isNewline` also matches "\r\n", which Swift treats as one character.
        for (index, row) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if row.isEmpty || (hasHeader && index == 0) { continue }
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            guard width == nil || fields.count == width else {
                throw DataError.malformedRow(file: path, line: index + 1, reason: "\(fields.count) fields where earlier rows have \(width!)")
            }
            width = fields.count
            let label = labelColumn < 0 ? fields.count + labelColumn : labelColumn
            guard fields.indices.contains(label), fields.count >= 2 else {
                throw DataError.malformedRow(file: path, line: index + 1, reason: "no column \(labelColumn) among \(fields.count) fields")
            }
            for (column, field) in fields.enumerated() {
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)) else {
                    throw DataError.malformedRow(file: path, line: index + 1, reason: "field \(column + 1) \"\(field)\" is not a number")
                }
                if column == label { labels.append(value) } else { features.append(value) }
            }
        }
        guard let width else { throw DataError.malformedRow(file: path, line: 1, reason: "the file holds no rows") }
        self.init(inputs: Tensor(features, shape: [labels.count, width - 1]), labels: Tensor(labels, shape: [labels.count]))
    }
}
