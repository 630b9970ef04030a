/// Structured: the Lightning-style frontend (training module, Trainer, callbacks, logging).
///
/// This module is a placeholder until the Structured frontend issue lands.
import TensorCore
