/// A trainable tensor of `shape` with values uniform in `±bound`, drawn from the global generator:
/// PyTorch's default for `nn.Linear` and `nn.Conv2d`, whose Kaiming-uniform weights (`a = √5`)
/// and biases both come to `bound = 1/√fanIn`.
func uniformParameter(_ shape: [Int], bound: Float) -> Tensor {
    let parameter = Tensor(randomUniform: shape, in: -bound...bound)
    parameter.requiresGradient = true
    return parameter
}
