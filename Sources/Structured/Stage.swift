import Events
import Metrics
import TensorCore

/// The stage a data module prepares for.
public enum Stage: Sendable { case fit, validate, test, predict }
