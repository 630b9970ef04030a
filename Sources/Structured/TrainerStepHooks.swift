import Events
import TensorCore

/// Runs the module's and callbacks' optimization hooks at the shared step's hook points, and
/// counts Lightning's `global_step` (with per-step schedules) after each update.
final class TrainerStepHooks<M: TrainingModule>: OptimizationHooks {
    unowned let trainer: Trainer
    let module: M
    let context: TrainerContext

    init(trainer: Trainer, module: M, context: TrainerContext) {
        self.trainer = trainer
        self.module = module
        self.context = context
    }

    func beforeZeroGrad(_ optimizer: any Optimizer) {
        context.hook = .beforeZeroGrad
        for callback in trainer.orderedCallbacks { callback.onBeforeZeroGrad(trainer: trainer, optimizer: optimizer) }
        module.onBeforeZeroGrad(optimizer)
    }

    func beforeBackward(_ loss: Tensor) {
        context.hook = .beforeBackward
        for callback in trainer.orderedCallbacks { callback.onBeforeBackward(trainer: trainer, loss: loss) }
        module.onBeforeBackward(loss)
    }

    func afterBackward() {
        context.hook = .afterBackward
        for callback in trainer.orderedCallbacks { callback.onAfterBackward(trainer: trainer) }
        module.onAfterBackward()
    }

    func beforeOptimizerStep(_ optimizer: any Optimizer) {
        context.hook = .beforeOptimizerStep
        for callback in trainer.orderedCallbacks { callback.onBeforeOptimizerStep(trainer: trainer, optimizer: optimizer) }
        module.onBeforeOptimizerStep(optimizer)
    }

    func afterOptimizerStep(_ optimizer: any Optimizer) throws {
        trainer.globalStep += 1
        if let configuration = trainer.schedulerConfiguration, configuration.interval == .step,
           trainer.globalStep % configuration.frequency == 0 {
            trainer.scheduler?.step()
        }
    }
}
