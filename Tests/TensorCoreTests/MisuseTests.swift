import Testing
import TensorCore

/// Programming errors stop the process with a message naming the operation and the shapes.
@Suite struct MisuseTests {
    @Test func mismatchedBroadcastNamesTheOperationAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]) + Tensor(zeros: [4])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("+: shapes [2, 3] and [4] cannot be broadcast together"))
    }

    @Test func incompatibleMatmulNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor(zeros: [2, 3]), Tensor(zeros: [4, 5]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("matmul: shapes [2, 3] and [4, 5] are incompatible"))
    }

    @Test func badAxisAndBadReshape() async {
        let axis = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).sum(alongAxis: 2)
        }
        let axisMessage = String(decoding: axis?.standardErrorContent ?? [], as: UTF8.self)
        #expect(axisMessage.contains("sum(alongAxes:): axis 2 is out of range for shape [2, 3]"))
        let reshape = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).reshaped(to: [4, 2])
        }
        let reshapeMessage = String(decoding: reshape?.standardErrorContent ?? [], as: UTF8.self)
        #expect(reshapeMessage.contains("reshaped(to:): cannot reshape [2, 3] (6 elements) to [4, 2]"))
    }

    @Test func nonScalarBackwardWithoutUpstream() async {
        await #expect(processExitsWith: .failure) {
            let x = Tensor([1, 2])
            x.requiresGradient = true
            (x * 2).backward()
        }
    }
}
