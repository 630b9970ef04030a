/// A hand-written loop over raw buffers: what an elementwise kernel should reach.
func rawScaleSeconds(count: Int) -> Double {
    let source = UnsafeMutablePointer<Float>.allocate(capacity: count)
    source.initialize(repeating: 1, count: count)
    let destination = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { source.deallocate(); destination.deallocate() }
    return medianSeconds {
        for i in 0..<count { destination[i] = source[i] * 2 }
    }
}
