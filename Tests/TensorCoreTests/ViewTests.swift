import Testing
import TensorCore
import TestSupport

/// Reshapes, slices and transposes are views; in-place writes copy shared storage first.
@Suite struct ViewTests {
    @Test func reshapingInfersOneDimension() {
        let x = Tensor(rangeFrom: 0, to: 12)
        #expect(x.reshaped(to: [3, -1]).shape == [3, 4])
        #expect(x.reshaped(to: [2, 2, 3]).scalars == x.scalars)
        #expect(x.reshaped(to: [1, 12, 1]).squeezingShape().shape == [12])
        #expect(x.expandingShape(at: 0).shape == [1, 12])
        #expect(x.expandingShape(at: -1).shape == [12, 1])
        #expect(x.reshaped(to: [3, 1, 4]).squeezingShape(at: 1).shape == [3, 4])
        #expect(x.flattened().shape == [12])
    }

    @Test func transposeSwapsTheLastTwoAxes() {
        let x = Tensor([[1, 2, 3], [4, 5, 6]])
        let t = x.transposed()
        #expect(t.shape == [3, 2])
        #expect(t.scalars == [1, 4, 2, 5, 3, 6])
        #expect(t.transposed().scalars == x.scalars)
        #expect((t + 1).scalars == [2, 5, 3, 6, 4, 7])
        let batch = Tensor(rangeFrom: 0, to: 12).reshaped(to: [2, 2, 3]).transposed()
        #expect(batch.shape == [2, 3, 2])
        #expect(batch[1].scalars == [6, 9, 7, 10, 8, 11])
    }

    @Test func slicesSelectRows() {
        let x = Tensor(rangeFrom: 0, to: 12).reshaped(to: [4, 3])
        #expect(x[1..<3].scalars == [3, 4, 5, 6, 7, 8])
        #expect(x[3].scalars == [9, 10, 11])
        #expect(x[3].shape == [3])
        #expect(x[2..<2].shape == [0, 3])
    }

    @Test func inPlaceWritesDoNotLeakIntoViews() {
        let x = Tensor([1, 2, 3, 4])
        let view = x.reshaped(to: [2, 2])
        let slice = x[1..<3]
        x.addInPlace(Tensor([10, 10, 10, 10]))
        #expect(x.scalars == [11, 12, 13, 14])
        #expect(view.scalars == [1, 2, 3, 4])
        #expect(slice.scalars == [2, 3])
        x.assign(Tensor(zeros: [4]))
        #expect(x.scalars == [0, 0, 0, 0])
    }

    @Test func savedActivationsSurviveParameterUpdates() {
        // The optimizer writes the parameter in place after backward; an earlier result that
        // shared its storage must keep its value.
        let w = Tensor([1, 2])
        w.requiresGradient = true
        let alias = w.reshaped(to: [2, 1])
        (w * w).sum().backward()
        w.addInPlace(-0.5 * w.gradient!)
        #expect(w.scalars == [0, 0])
        #expect(alias.scalars == [1, 2])
    }
}
