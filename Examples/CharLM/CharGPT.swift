import TensorCore

/// The size of a character-level GPT (the reference's defaults: 4 layers, 4 heads, width 128,
/// context 64).
public struct GPTConfiguration: Sendable, Equatable {
    /// The number of transformer blocks.
    public var layers = 4
    /// Attention heads per block.
    public var heads = 4
    /// The model width.
    public var width = 128
    /// The longest sequence the model reads (its position table's length).
    public var context = 64

    /// The reference configuration unless changed.
    public init(layers: Int = 4, heads: Int = 4, width: Int = 128, context: Int = 64) {
        self.layers = layers
        self.heads = heads
        self.width = width
        self.context = context
    }
}

/// A pre-norm transformer block: causal self-attention, then a GELU feed-forward layer four
/// times wider, each added back to its input.
public final class TransformerBlock: Module {
    let attentionNorm: LayerNorm, attention: MultiHeadAttention
    let feedForwardNorm: LayerNorm, expand: Linear, contract: Linear
    /// Whether the block is in training mode.
    public var isTraining = true

    /// A block of `width` features and `heads` heads.
    public init(width: Int, heads: Int) {
        attentionNorm = LayerNorm(features: width)
        attention = MultiHeadAttention(width: width, heads: heads, isCausal: true)
        feedForwardNorm = LayerNorm(features: width)
        expand = Linear(inFeatures: width, outFeatures: 4 * width)
        contract = Linear(inFeatures: 4 * width, outFeatures: width)
    }

    /// The block's layers, named as in the reference script.
    public var children: [(String, any Module)] {
        [("ln1", attentionNorm), ("attention", attention), ("ln2", feedForwardNorm), ("fc", expand), ("out", contract)]
    }

    /// The block applied to `[batch, time, width]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = input + attention(attentionNorm(input))
        return x + contract(gelu(expand(feedForwardNorm(x))))
    }
}

/// The character-level GPT of `chargpt_torch.py`: token and position embeddings, causal
/// transformer blocks, a final LayerNorm and a bias-free head over the vocabulary.
///
/// ```swift
/// let model = CharGPT(vocabularySize: 73)
/// let logits = model(IndexTensor([[5, 1, 4]]))   // [1, 3, 73]
/// ```
public final class CharGPT: CharModel {
    /// The model's size.
    public let configuration: GPTConfiguration
    let tokens: Embedding, positions: Embedding
    let blocks: ModuleList<TransformerBlock>
    let finalNorm: LayerNorm, head: Linear
    /// Whether the model is in training mode.
    public var isTraining = true

    /// A model over `vocabularySize` symbols, initialized from the global generator.
    public init(vocabularySize: Int, configuration: GPTConfiguration = GPTConfiguration()) {
        self.configuration = configuration
        let width = configuration.width
        tokens = Embedding(count: vocabularySize, width: width)
        positions = Embedding(count: configuration.context, width: width)
        blocks = ModuleList((0..<configuration.layers).map { _ in TransformerBlock(width: width, heads: configuration.heads) })
        finalNorm = LayerNorm(features: width)
        head = Linear(inFeatures: width, outFeatures: vocabularySize, hasBias: false)
    }

    /// The parts, named as in the reference script (`tok`, `pos`, `blocks.0.…`, `ln`, `head`).
    public var children: [(String, any Module)] {
        [("tok", tokens), ("pos", positions), ("blocks", blocks), ("ln", finalNorm), ("head", head)]
    }

    /// The number of symbols the model predicts over.
    public var vocabularySize: Int { tokens.count }

    /// Next-token logits `[batch, time, vocabulary]` for `[batch, time]` token ids, `time` at
    /// most the context.
    public func callAsFunction(_ input: IndexTensor) -> Tensor {
        let time = input.shape[1]
        let x = tokens(input) + positions(IndexTensor(Array(0..<time)))
        return head(finalNorm(blocks(x)))
    }

    /// The longest sequence the model reads (its position table's length).
    public var context: Int { configuration.context }
}
