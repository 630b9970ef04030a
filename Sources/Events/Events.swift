/// Events: the Ignite-style frontend (engine, events, handlers).
///
/// This module is a placeholder until the Events frontend issue lands.
import TensorCore
