// MARK: - Comparisons and selection
//
// Comparisons return 1 where the relation holds and 0 elsewhere, with broadcasting; they have
// no gradient.

extension Tensor {
    /// 1 where `lhs > rhs`, else 0.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".>", ElementFunction.Compare(relation: .greater)) }
    /// 1 where `lhs < rhs`, else 0.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".<", ElementFunction.Compare(relation: .less)) }
    /// 1 where `lhs >= rhs`, else 0.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".>=", ElementFunction.Compare(relation: .greaterOrEqual)) }
    /// 1 where `lhs <= rhs`, else 0.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".<=", ElementFunction.Compare(relation: .lessOrEqual)) }
    /// 1 where `lhs == rhs`, else 0.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".==", ElementFunction.Compare(relation: .equal)) }
    /// 1 where `lhs != rhs`, else 0.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { Kernels.zip(lhs, rhs, operation: ".!=", ElementFunction.Compare(relation: .notEqual)) }

    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs .> Tensor(rhs) }
    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs .< Tensor(rhs) }
    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs .>= Tensor(rhs) }
    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs .<= Tensor(rhs) }
    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs .== Tensor(rhs) }
    /// The elementwise comparison with a number: 1 where it holds, else 0.
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs .!= Tensor(rhs) }

    /// Elements of `a` where `condition` is non-zero and of `b` elsewhere, all three broadcast to
    /// a common shape (PyTorch's `torch.where`). Each branch receives the gradient only where it
    /// was chosen.
    ///
    /// ```swift
    /// let leaky = Tensor.where(x .> 0, x, 0.01 * x)
    /// ```
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(broadcastShape(condition.shape, a.shape, operation: "where"), b.shape, operation: "where")
        let mask = condition.shape == shape ? condition : Kernels.broadcastCopy(condition, to: shape)
        let chooseA = a.shape == shape ? a : Kernels.broadcastCopy(a, to: shape)
        let chooseB = b.shape == shape ? b : Kernels.broadcastCopy(b, to: shape)
        return Kernels.select(mask, chooseA, chooseB)
            .recorded("where", a, b) { gradient, _ in
                let zeros = Tensor(zeros: [])
                return [Kernels.select(mask, gradient, zeros.broadcasted(to: shape)).summed(toShape: a.shape),
                        Kernels.select(mask, zeros.broadcasted(to: shape), gradient).summed(toShape: b.shape)]
            }
    }
}
