import Foundation
import MNISTModels
import TensorCore
import Datasets

/// The reference model trained by a hand-written loop over the core: no frontend.
public func trainWithCore(_ options: RunOptions, data mnist: MNIST) throws -> RunResult {
    // MARK: model
    seedEverything(options.seed)
    let network = options.model.makeNetwork()
    let optimizer = options.model.makeOptimizer(for: network)
    // MARK: data
    let train = DataLoader(mnist.train, batchSize: options.batchSize, shuffle: true, seed: options.seed)
    let batches = options.limit.map { ($0 + options.batchSize - 1) / options.batchSize } ?? train.batchesPerEpoch
    // MARK: logging
    let every = max(1, batches / curvePointsPerEpoch)

    var lossCurve: [(Int, Float)] = [], accuracyCurve: [(Double, Float)] = []
    let clock = StepClock()
    var lastLoss: Float = .nan, trainSeconds = 0.0, evaluationSeconds = 0.0, step = 0
    // MARK: step
    for epoch in 0..<options.epochs {
        clock.restart()
        let ((), seconds) = timed {
            for batch in train.batches(epoch: epoch).prefix(batches) {
                let loss = crossEntropy(logits: network(batch.inputs), labels: batch.labels)
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
                lastLoss = loss.scalar
                step += 1
                if step % every == 0 { lossCurve.append((step, lastLoss)) }
                clock.tick(step: step, record: step % every == 0)
                // MARK: validation
                let done = step - epoch * batches
                if options.isMidEpochEvaluation(afterBatch: done, of: batches) {
                    let (value, spent) = timed { accuracy(of: network, on: mnist.test) }
                    accuracyCurve.append((Double(epoch) + Double(done) / Double(batches), Float(value)))
                    evaluationSeconds += spent
                    clock.restart()
                }
                // MARK: step
            }
        }
        trainSeconds += seconds - evaluationSeconds
        evaluationSeconds = 0
        // MARK: validation
        accuracyCurve.append((Double(epoch + 1), Float(accuracy(of: network, on: mnist.test))))
    }
    // MARK: run and record
    let samples = Double(min(batches * options.batchSize, mnist.train.count) * options.epochs)
    var result = RunResult(record: RunRecord(
        frontend: "core", model: options.model.rawValue, epochs: options.epochs, batch: options.batchSize,
        trainSeconds: trainSeconds, samplesPerSecond: samples / trainSeconds,
        testAccuracy: Double(accuracyCurve.last?.1 ?? .nan), peakResidentMegabytes: peakResidentMegabytes(),
        finalLoss: Double(lastLoss), weightsCRC32: weightsChecksum(network)))
    result.lossCurve = lossCurve
    result.stepTimes = clock.points
    result.accuracyCurve = accuracyCurve
    return result
}
