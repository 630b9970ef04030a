import Foundation
import Testing
import TensorCore
import Distributed

@Suite struct CommunicatorTests {
    @Test func collectivesCombineInRankOrder() throws {
        let results = try InProcessCommunicator.run(worldSize: 3) { c in
            let r = Float(c.rank)
            var sum: [Float] = [r, 10 * r], mean: [Double] = [Double(c.rank)], high: [Float] = [r], low: [Float] = [r]
            try c.allReduce(&sum, operation: .sum)
            try c.allReduce(&mean, operation: .mean)
            try c.allReduce(&high, operation: .max)
            try c.allReduce(&low, operation: .min)
            var broadcast: [Float] = c.rank == 2 ? [7, 8] : [0, 0]
            try c.broadcast(&broadcast, from: 2)
            let gathered = try c.allGather(Array(repeating: r, count: c.rank + 1))   // uneven lengths
            let scattered = try c.reduceScatter((0..<7).map { Float($0) }, operation: .sum)
            try c.barrier()
            return (sum, mean, high, low, broadcast, gathered, scattered)
        }
        for (rank, result) in results.enumerated() {
            #expect(result.0 == [3, 30])
            #expect(result.1 == [1])
            #expect(result.2 == [2] && result.3 == [0])
            #expect(result.4 == [7, 8])
            #expect(result.5 == [[0], [1, 1], [2, 2, 2]])
            // 7 elements over 3 ranks: blocks of 3, 2, 2; each summed over 3 ranks.
            let expected: [[Float]] = [[0, 3, 6], [9, 12], [15, 18]]
            #expect(result.6 == expected[rank])
        }
    }

    @Test func singleProcessCollectivesAreTheIdentity() throws {
        let c = SingleProcessCommunicator()
        var values: [Float] = [1, 2]
        try c.allReduce(&values, operation: .mean)
        #expect(values == [1, 2] && c.worldSize == 1 && c.isMain)
        #expect(try c.allGather([3.0]) == [[3.0]])
        #expect(throws: CommunicatorError.self) { try c.broadcast(&values, from: 1) }
    }

    struct Boom: Error {}

    @Test func aFailingRankStopsTheOthersInsteadOfHanging() {
        #expect(throws: Boom.self) {
            _ = try InProcessCommunicator.run(worldSize: 3, timeout: 30) { c in
                if c.rank == 1 { throw Boom() }
                var values: [Float] = [1]
                try c.allReduce(&values, operation: .sum)   // would wait forever for rank 1
            }
        }
    }

    @Test func aStuckCollectiveTimesOutNamingIt() {
        #expect(throws: CommunicatorError.timedOut(collective: "allReduce", seconds: 0.3)) {
            _ = try InProcessCommunicator.run(worldSize: 2, timeout: 0.3) { c in
                guard c.rank == 0 else { Thread.sleep(forTimeInterval: 1); return }
                var values: [Float] = [1]
                try c.allReduce(&values, operation: .sum)
            }
        }
    }

    @Test func mismatchedCollectivesAreReported() {
        #expect(throws: CommunicatorError.self) {
            _ = try InProcessCommunicator.run(worldSize: 2) { c in
                var values: [Float] = [1]
                if c.rank == 0 { try c.allReduce(&values, operation: .sum) } else { try c.barrier() }
            }
        }
    }

    @Test func eachRankHasItsOwnRandomStream() throws {
        let draws = try InProcessCommunicator.run(worldSize: 2, seed: 5) { _ in Tensor(randomNormal: [4]).scalars }
        #expect(draws[0] != draws[1])
        let again = try InProcessCommunicator.run(worldSize: 2, seed: 5) { _ in Tensor(randomNormal: [4]).scalars }
        #expect(again == draws)
    }
}
