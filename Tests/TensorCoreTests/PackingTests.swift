import Testing
import TensorCore

/// Flat vectors of many tensors, as collectives send them: the whole vector, or one rank's shard
/// of it without building the whole.
@Suite struct PackingTests {
    @Test func aShardIsTheSameSliceOfTheWholeVector() {
        let tensors: [Tensor?] = [Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), nil, Tensor([7, 8, 9], shape: [3])]
        let counts = [6, 2, 3]
        var whole = [Float](repeating: -1, count: 11)
        Tensor.pack(tensors, counts: counts, into: &whole, at: 0, scale: 2)
        #expect(whole == [2, 4, 6, 8, 10, 12, 0, 0, 14, 16, 18])
        for range in [0..<11, 0..<0, 2..<7, 5..<9, 6..<8, 10..<11] {
            #expect(Tensor.packing(tensors, counts: counts, range: range, scale: 2) == Array(whole[range]), "\(range)")
        }
    }

    @Test func aGatheredVectorSplitsIntoNewTensorsOfTheGivenShapes() {
        let parts = Tensor.splitting([1, 2, 3, 4, 5, 6, 7], into: [[2, 2], [3]])
        #expect(parts.map(\.shape) == [[2, 2], [3]] && parts.map(\.scalars) == [[1, 2, 3, 4], [5, 6, 7]])
    }

    /// Image batches from bytes: every byte value through the table, in rows with and without a
    /// whole-vector tail, and enough rows to split across cores.
    @Test func byteRowsGoThroughTheTableExactly() {
        var generator = SystemRandomNumberGenerator()
        let table = (0..<256).map { _ in Float.random(in: -3...3, using: &generator) }
        for rowLength in [784, 37, 16, 5] {
            let rowCount = 300
            let bytes = (0..<rowCount * rowLength).map { i in i % 3 == 0 ? 0 : UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
            let rows = (0..<200).map { ($0 * 7919) % rowCount }
            let batch = Tensor.gathering(rows: rows, of: bytes, rowLength: rowLength, through: table, shape: [rows.count, rowLength])
            let expected = rows.flatMap { row in (0..<rowLength).map { table[Int(bytes[row * rowLength + $0])] } }
            #expect(batch.scalars == expected, "rows of \(rowLength)")
        }
        let everyValue = (0..<256).map(UInt8.init)
        #expect(Tensor.gathering(rows: [0], of: everyValue, rowLength: 256, through: table, shape: [256]).scalars == table)
    }

    @Test func gradientsTravelAndComeBackInPlace() {
        let a = Tensor(zeros: [2, 2]), b = Tensor(zeros: [3])
        Tensor.unpack([9, 1, 2, 3, 4, 5, 6, 7], at: 1, into: [a, b], scale: 0.5)
        #expect(a.scalars == [0.5, 1, 1.5, 2] && b.scalars == [2.5, 3, 3.5])
    }
}
