// A two-layer network trained with the core alone: tensors, autograd and a hand-written SGD
// step, on a synthetic two-class problem (two interleaved spirals).
// Run with `swift run -c release core-demo`.
import Foundation
import TensorCore

/// Two noisy spirals, one per class: inputs `[2n, 2]` and one-hot targets `[2n, 2]`.
func spirals(pointsPerClass n: Int, generator: inout RandomGenerator) -> (inputs: Tensor, targets: Tensor) {
    var coordinates: [Float] = []
    var labels: [Int] = []
    for label in 0..<2 {
        for i in 0..<n {
            let t = Float(i) / Float(n) * 3 * .pi
            let radius = t / (3 * .pi) + 0.02 * generator.nextNormal()
            let angle = t + Float(label) * .pi
            coordinates += [radius * cos(angle), radius * sin(angle)]
            labels.append(label)
        }
    }
    return (Tensor(coordinates, shape: [2 * n, 2]), Tensor(oneHotAtIndices: labels, depth: 2))
}

func train() {
    var generator = RandomGenerator(seed: 0)
    let (inputs, targets) = spirals(pointsPerClass: 500, generator: &generator)

    func parameter(_ shape: [Int], scale: Float) -> Tensor {
        let tensor = Tensor(randomNormal: shape, standardDeviation: scale, generator: &generator)
        tensor.requiresGradient = true
        return tensor
    }
    let w1 = parameter([2, 128], scale: 2), b1 = parameter([128], scale: 0)
    let w2 = parameter([128, 2], scale: 0.1), b2 = parameter([2], scale: 0)
    let parameters = [w1, b1, w2, b2]
    func logits(_ x: Tensor) -> Tensor { matmul(relu(matmul(x, w1) + b1), w2) + b2 }

    for step in 0...3000 {
        // Cross-entropy from primitives: log-softmax through logSumExp, then the true class.
        let z = logits(inputs)
        let logProbabilities = z - z.logSumExp(alongAxis: 1, keepingDimensions: true)
        let loss = -(logProbabilities * targets).sum(alongAxis: 1).mean()
        loss.backward()
        for p in parameters {
            p.addInPlace(-0.5 * p.gradient!)
            p.zeroGradient()
        }
        if step % 500 == 0 {
            let accuracy = withoutGradient {
                (logits(inputs).argmax(alongAxis: 1) .== targets.argmax(alongAxis: 1)).mean().scalar
            }
            print("step \(step): loss \(loss.scalar), training accuracy \(accuracy)")
        }
    }
}

train()
