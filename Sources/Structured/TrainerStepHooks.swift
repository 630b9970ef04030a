import Events
import TensorCore

/// Runs the module's and callbacks' optimization hooks at the shared step's hook points, and
/// counts Lightning's `global_step` after each update.
final class TrainerStepHooks<M: TrainingModule>: OptimizationHooks {
    unowned let trainer: Trainer
    let module: M

    init(trainer: Trainer, module: M) {
        self.trainer = trainer
        self.module = module
    }

    func beforeZeroGrad(_ optimizer: any Optimizer) {
        trainer.dispatch(.beforeZeroGrad, { $0.onBeforeZeroGrad(trainer: self.trainer, optimizer: optimizer) }) { module.onBeforeZeroGrad(optimizer) }
    }

    func beforeBackward(_ loss: Tensor) {
        trainer.dispatch(.beforeBackward, { $0.onBeforeBackward(trainer: self.trainer, loss: loss) }) { module.onBeforeBackward(loss) }
    }

    func afterBackward() {
        trainer.dispatch(.afterBackward, { $0.onAfterBackward(trainer: self.trainer) }) { module.onAfterBackward() }
    }

    func beforeOptimizerStep(_ optimizer: any Optimizer) {
        trainer.dispatch(.beforeOptimizerStep, { $0.onBeforeOptimizerStep(trainer: self.trainer, optimizer: optimizer) }) {
            module.onBeforeOptimizerStep(optimizer)
        }
    }

    func afterOptimizerStep(_ optimizer: any Optimizer) throws {
        trainer.globalStep += 1
    }
}
