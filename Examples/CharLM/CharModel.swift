import TensorCore

/// What `char-lm` needs of a model: next-token logits `[batch, time, vocabulary]` from token ids
/// `[batch, time]`, the longest context it reads, and the reference's optimizer.
public protocol CharModel: Module where Input == IndexTensor {
    /// The longest sequence the model reads at once.
    var context: Int { get }
}

extension CharModel {
    /// AdamW as the reference sets it up: weight decay 0.1 on matrices only (rank ≥ 2), betas
    /// (0.9, 0.99).
    public func makeOptimizer(learningRate: Float = 1e-3) -> AdamW {
        let matrices = namedParameters.filter { $0.tensor.rank >= 2 }.map(\.tensor)
        let others = namedParameters.filter { $0.tensor.rank < 2 }.map(\.tensor)
        return AdamW(groups: [ParameterGroup(matrices, weightDecay: 0.1), ParameterGroup(others, weightDecay: 0)],
                     learningRate: learningRate, beta1: 0.9, beta2: 0.99)
    }
}

/// Which model `char-lm` trains.
public enum CharModelKind: String, CaseIterable, Sendable {
    /// ``CharGPT``.
    case gpt
    /// ``CharGRU``.
    case gru

    /// A fresh model of this kind over `vocabularySize` symbols, drawn from the global generator.
    public func make(vocabularySize: Int, configuration: GPTConfiguration) -> any CharModel {
        switch self {
        case .gpt: CharGPT(vocabularySize: vocabularySize, configuration: configuration)
        case .gru: CharGRU(vocabularySize: vocabularySize, configuration: configuration)
        }
    }
}

/// A recurrent character model: an embedding, a stacked ``GRU`` of the configuration's width and
/// layers, and a linear head. It reads windows of the configuration's context, like the GPT.
///
/// ```swift
/// let model = CharGRU(vocabularySize: 73, configuration: GPTConfiguration(layers: 2, width: 256))
/// ```
public final class CharGRU: CharModel {
    let tokens: Embedding, recurrent: GRU, head: Linear
    /// The longest sequence it is trained on and samples from.
    public let context: Int
    /// Whether the model is in training mode.
    public var isTraining = true

    /// A model over `vocabularySize` symbols with `configuration.layers` GRU layers of `configuration.width`.
    public init(vocabularySize: Int, configuration: GPTConfiguration) {
        tokens = Embedding(count: vocabularySize, width: configuration.width)
        recurrent = GRU(inFeatures: configuration.width, hiddenFeatures: configuration.width, layers: configuration.layers)
        head = Linear(inFeatures: configuration.width, outFeatures: vocabularySize)
        context = configuration.context
    }

    /// The parts, with PyTorch-style names.
    public var children: [(String, any Module)] { [("tok", tokens), ("gru", recurrent), ("head", head)] }

    /// Next-token logits for every position.
    public func callAsFunction(_ input: IndexTensor) -> Tensor { head(recurrent(tokens(input))) }
}
