// MARK: - Printing

extension Tensor: CustomStringConvertible {
    /// The elements nested by axis, like PyTorch's printout: `[[1.0, 2.0], [3.0, 4.0]]`.
    /// Tensors over 1,000 elements print only their shape.
    public var description: String {
        if scalarCount > 1000 { return "Tensor(shape: \(shape))" }
        let values = scalars
        func render(_ axis: Int, _ start: Int) -> String {
            if axis == rank { return "\(values[start])" }
            let stride = shape[(axis + 1)...].reduce(1, *)
            return "[" + (0..<shape[axis]).map { render(axis + 1, start + $0 * stride) }.joined(separator: ", ") + "]"
        }
        return render(0, 0)
    }
}
