/// The largest value in each `kernelSize`×`kernelSize` window of `[batch, channels, height, width]`,
/// windows `stride` apart (default: `kernelSize`, non-overlapping). The gradient flows to the
/// position that held the maximum.
public func maxPool2D(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let g = poolingGeometry(input, kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, operation: "maxPool2D")
    let (values, indices) = Kernels.maxPool(input, g)
    return values.recorded("maxPool2D", input) { gradient, _ in
        [Kernels.maxPoolBackward(gradient, indices: indices, g)]
    }.annotatingONNX(["kernel": [Double(kernelSize)], "stride": [Double(g.stride)], "padding": [Double(padding)]])
}

/// The mean of each `kernelSize`×`kernelSize` window of `[batch, channels, height, width]`.
public func averagePool2D(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let g = poolingGeometry(input, kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding, operation: "averagePool2D")
    return Kernels.averagePool(input, g).recorded("averagePool2D", input) { gradient, _ in
        [Kernels.averagePoolBackward(gradient, g)]
    }.annotatingONNX(["kernel": [Double(kernelSize)], "stride": [Double(g.stride)], "padding": [Double(padding)]])
}

private func poolingGeometry(_ input: Tensor, kernelSize: Int, stride: Int, padding: Int, operation: String) -> WindowGeometry {
    guard input.rank == 4 else { fail(operation, "expects [batch, channels, height, width], got \(input.shape)") }
    guard kernelSize >= 1, stride >= 1, padding >= 0, padding * 2 <= kernelSize else {
        fail(operation, "invalid kernel size \(kernelSize), stride \(stride) or padding \(padding)")
    }
    let g = WindowGeometry(batch: input.shape[0], channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                           kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    guard g.outputHeight >= 1, g.outputWidth >= 1 else {
        fail(operation, "window \(kernelSize) does not fit input \(input.shape)")
    }
    return g
}

/// Max pooling as a layer (see ``maxPool2D(_:kernelSize:stride:padding:)``).
public final class MaxPool2D: Module {
    /// Window size, step between windows (the window size by default) and zero padding, in pixels.
    public let kernelSize: Int, stride: Int, padding: Int
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// Pooling over square windows of `kernelSize`, stepping by `stride` (the window size by default).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        maxPool2D(input, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}

/// Average pooling as a layer (see ``averagePool2D(_:kernelSize:stride:padding:)``).
public final class AvgPool2D: Module {
    /// Window size, step between windows (the window size by default) and zero padding, in pixels.
    public let kernelSize: Int, stride: Int, padding: Int
    /// Whether the layer is in training mode (set by `train()` and `eval()`).
    public var isTraining = true
    /// Pooling over square windows of `kernelSize`, stepping by `stride` (the window size by default).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }
    /// The layer applied to `input`, recorded for backward.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        averagePool2D(input, kernelSize: kernelSize, stride: stride, padding: padding)
    }
}
