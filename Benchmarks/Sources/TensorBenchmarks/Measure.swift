import Foundation

/// The median wall time of `repetitions` runs of `body`, after `warmup` unmeasured runs.
/// Medians resist the noise of a shared machine; ratios taken within one run resist drift.
func medianSeconds(warmup: Int = 3, repetitions: Int = 15, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return samples.sorted()[samples.count / 2]
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}
