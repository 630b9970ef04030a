import Events
import TensorCore

/// The Trainer's own part of a checkpoint: Lightning's `global_step` and the plateau schedule's
/// position (the loop position is the engine's).
struct TrainerProgress: CheckpointComponent {
    static let checkpointKey = "trainer"
    static let checkpointVersion = 1
    var globalStep: Int
    var plateau: ReduceOnPlateau.State?
}
