/// An ordered list of modules of one type, named `0`, `1`, ... in the parent's parameter names
/// (PyTorch's `nn.ModuleList`): a GPT's `blocks.0.attention.in_proj_weight`.
///
/// Calling the list applies its elements in order, each to the previous one's output, when they
/// take and give tensors; iterate over it to do anything else.
///
/// ```swift
/// let blocks = ModuleList((0..<4).map { _ in TransformerBlock(width: 128, heads: 4) })
/// var x = embeddings
/// for block in blocks { x = block(x) }
/// ```
public final class ModuleList<Element: Module>: Module, RandomAccessCollection {
    /// The modules, in order.
    public let elements: [Element]
    /// Whether the list is in training mode (set by `train()` and `eval()`, which reach every element).
    public var isTraining = true

    /// A list holding `elements`.
    public init(_ elements: [Element]) { self.elements = elements }

    /// The elements, named by position.
    public var children: [(String, any Module)] {
        elements.enumerated().map { (String($0.offset), $0.element) }
    }

    /// The position of the first element (0).
    public var startIndex: Int { elements.startIndex }
    /// One past the last element's position.
    public var endIndex: Int { elements.endIndex }
    /// The element at `position`.
    public subscript(position: Int) -> Element { elements[position] }

    /// The elements applied in order to `input`. They must take tensors.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        elements.reduce(input) { output, element in
            guard let layer = element as? any Module<Tensor> else {
                fail("ModuleList", "element of type \(Element.self) does not take a Tensor; iterate over the list instead")
            }
            return layer(output)
        }
    }
}
