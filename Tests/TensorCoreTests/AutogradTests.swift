import Testing
import TensorCore
import TestSupport

/// PyTorch's autograd contract: accumulation, clearing, detaching, no-gradient mode and the
/// graph being freed by `backward()`.
@Suite struct AutogradTests {
    @Test func gradientsAccumulateUntilCleared() {
        let x = Tensor([1, 2, 3])
        x.requiresGradient = true
        (x * x).sum().backward()
        assertClose(x.gradient!, [2, 4, 6])
        (x * x).sum().backward()
        assertClose(x.gradient!, [4, 8, 12])
        x.zeroGradient()
        #expect(x.gradient == nil)
        (3 * x).sum().backward()
        assertClose(x.gradient!, [3, 3, 3])
    }

    @Test func reusedTensorCollectsGradientFromEveryUse() {
        // y = x*x + x: the two paths into x must be added, not overwritten.
        let x = Tensor([2, -1])
        x.requiresGradient = true
        (x * x + x).sum().backward()
        assertClose(x.gradient!, [5, -1])
    }

    @Test func backwardWithExplicitUpstreamGradient() {
        let x = Tensor([1, 2, 3])
        x.requiresGradient = true
        (x * 2).backward(Tensor([1, 0, -1]))
        assertClose(x.gradient!, [2, 0, -2])
    }

    @Test func detachedTensorsStopTheGradient() {
        let x = Tensor([1, 2])
        x.requiresGradient = true
        let y = x * x.detached()
        y.sum().backward()
        assertClose(x.gradient!, [1, 2])
        #expect(!x.detached().requiresGradient)
    }

    @Test func noGradientModeRecordsNothing() {
        let x = Tensor([1, 2])
        x.requiresGradient = true
        let y = withoutGradient { x * 3 }
        #expect(!y.requiresGradient)
        #expect(y.isLeaf)
        #expect(!GradientMode.isEnabled == false)
        withoutGradient { #expect(!GradientMode.isEnabled) }
    }

    @Test func operationsOnConstantsRecordNothing() {
        let y = Tensor([1, 2]) * Tensor([3, 4])
        #expect(!y.requiresGradient)
        #expect(y.isLeaf)
    }

    @Test func backwardFreesTheGraph() {
        let x = Tensor([1, 2])
        x.requiresGradient = true
        let loss = (x * x).sum()
        #expect(!loss.isLeaf)
        loss.backward()
        #expect(loss.isLeaf)
        // A second backward on the freed graph reaches no leaf (PyTorch would raise instead).
        loss.backward()
        assertClose(x.gradient!, [2, 4])
    }

    @Test func leavesThatDoNotRequireGradientGetNone() {
        let x = Tensor([1, 2]), w = Tensor([3, 4])
        w.requiresGradient = true
        (x * w).sum().backward()
        #expect(x.gradient == nil)
        assertClose(w.gradient!, [1, 2])
    }

    @Test func chainOfLinearLayersMatchesHandDerivation() {
        // loss = sum(relu(x W1) W2); dloss/dW2 = relu(x W1)^T 1, dloss/dW1 = x^T (mask * (1 W2^T)).
        let x = Tensor([[1, -2], [0.5, 1]])
        let w1 = Tensor([[1, -1], [0.5, 2]]), w2 = Tensor([[1], [-3]])
        w1.requiresGradient = true
        w2.requiresGradient = true
        matmul(relu(matmul(x, w1)), w2).sum().backward()
        // x W1 = [[0, -5], [1, 1.5]] -> relu = [[0, 0], [1, 1.5]]
        assertClose(w2.gradient!, [1, 1.5], shape: [2, 1])
        // upstream to relu output = [[1, -3], [1, -3]], masked = [[0, 0], [1, -3]]
        // x^T masked = [[1, -2], [0.5, 1]]^T [[0, 0], [1, -3]] = [[0.5, -1.5], [1, -3]]
        assertClose(w1.gradient!, [0.5, -1.5, 1, -3], shape: [2, 2])
    }
}
