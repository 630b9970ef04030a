import Events
import TensorCore

/// Runs the module's and callbacks' optimization hooks at the shared step's hook points, and
/// counts Lightning's `global_step` after each update.
final class TrainerStepHooks<M: TrainingModule>: OptimizationHooks {
    unowned let trainer: Trainer
    let module: M
    /// The run's dispatch, a constant: the trainer's is a variable.
    let dispatcher: HookDispatcher

    init(trainer: Trainer, module: M) {
        self.trainer = trainer
        self.module = module
        dispatcher = trainer.dispatcher
    }

    func beforeZeroGrad(_ optimizer: any Optimizer) {
        let trainer = trainer   // one strong reference for the hook and its callbacks
        dispatcher.dispatch(.beforeZeroGrad, { $0.onBeforeZeroGrad(trainer: trainer, optimizer: optimizer) }) { module.onBeforeZeroGrad(optimizer) }
    }

    func beforeBackward(_ loss: Tensor) {
        let trainer = trainer   // one strong reference for the hook and its callbacks
        dispatcher.dispatch(.beforeBackward, { $0.onBeforeBackward(trainer: trainer, loss: loss) }) { module.onBeforeBackward(loss) }
    }

    func afterBackward() {
        let trainer = trainer   // one strong reference for the hook and its callbacks
        dispatcher.dispatch(.afterBackward, { $0.onAfterBackward(trainer: trainer) }) { module.onAfterBackward() }
    }

    func beforeOptimizerStep(_ optimizer: any Optimizer) {
        let trainer = trainer   // one strong reference for the hook and its callbacks
        dispatcher.dispatch(.beforeOptimizerStep, { $0.onBeforeOptimizerStep(trainer: trainer, optimizer: optimizer) }) {
            module.onBeforeOptimizerStep(optimizer)
        }
    }

    func afterOptimizerStep(_ optimizer: any Optimizer) throws {
        trainer.globalStep += 1
    }
}
