/// Metrics: functional and stateful metrics that compose and synchronize across processes.
///
/// This module is a placeholder until the Metrics issue lands; it builds so that the package
/// layout is complete.
import TensorCore
