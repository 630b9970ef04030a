import Testing
import TensorCore
import TestSupport

/// Optimizers, gradient clipping and learning-rate schedules against PyTorch: the same start,
/// the same gradients, the same hyperparameters, five steps.
@Suite struct OptimizerTests {
    static let torch = LayerTests.torch

    static let optimizers: [String: @Sendable ([Tensor]) -> any Optimizer] = [
        "sgd_plain": { SGD(parameters: $0, learningRate: 0.1) },
        "sgd_momentum": { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) },
        "sgd_dampening_weight_decay": { SGD(parameters: $0, learningRate: 0.05, momentum: 0.5, dampening: 0.3, weightDecay: 0.01) },
        "sgd_nesterov": { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001) },
        "adam": { Adam(parameters: $0, learningRate: 0.01) },
        "adam_weight_decay": { Adam(parameters: $0, learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1) },
        "adamw": { AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.05) },
    ]

    @Test(arguments: OptimizerTests.optimizers.keys.sorted())
    func updatesMatchPyTorch(_ name: String) throws {
        let f = Self.torch, key = "optimizer_\(name)"
        let parameter = f.tensor(key, "start")
        parameter.requiresGradient = true
        let make = try #require(Self.optimizers[name])
        let optimizer = make([parameter])
        let gradients = f.tensor(key, "grads"), expected = f.tensor(key, "after")
        for step in 0..<5 {
            // Gradients are installed the way backward() leaves them.
            parameter.zeroGradient()
            (parameter * gradients[step]).sum().backward()
            optimizer.step()
            assertClose(parameter, expected[step], relative: 1e-5, absolute: 1e-6)
        }
    }

    @Test func parametersWithoutGradientAreSkipped() {
        let a = Tensor([1, 2]), b = Tensor([3, 4])
        a.requiresGradient = true
        b.requiresGradient = true
        let optimizer = Adam(parameters: [a, b], learningRate: 0.1)
        (a * a).sum().backward()
        optimizer.step()
        #expect(b.scalars == [3, 4])
        #expect(a.scalars != [1, 2])
    }

    /// A unit whose gradient stays zero (a dead ReLU) lets its moments decay; they never become
    /// denormal floats (the CPU's slow path), and the parameter stops moving. 0.9 a step from
    /// 9e-5 passes 1.2e-38 after about 730 steps: without flushing, the moment would be a
    /// denormal near 1.6e-39 by step 760.
    @Test func momentsNeverBecomeDenormal() {
        let weight = Tensor([0.5, -0.25])
        weight.requiresGradient = true
        let optimizer = Adam(parameters: [weight], learningRate: 0.01)
        (weight * Tensor([1e-3, 0])).sum().backward()
        optimizer.step()
        var positions: [[Float]] = []
        for _ in 0..<760 {
            weight.zeroGradient()
            (weight * Tensor([0, 0])).sum().backward()
            optimizer.step()
            positions.append(weight.scalars)
            let moments = optimizer.state.tensors["exp_avg.0"]!.scalars + optimizer.state.tensors["exp_avg_sq.0"]!.scalars
            guard moments.allSatisfy({ $0 == 0 || $0.isNormal }) else {
                Issue.record("step \(positions.count): moments \(moments)")
                return
            }
        }
        #expect(optimizer.state.tensors["exp_avg.0"]!.scalars[0] < 2e-37)
        #expect(positions.last == positions[positions.count - 2])
    }

    @Test func optimizerStateRoundTripsThroughLoad() throws {
        let make = { () -> (Tensor, Adam) in
            let p = Tensor([1, -1, 0.5])
            p.requiresGradient = true
            return (p, Adam(parameters: [p], learningRate: 0.05))
        }
        let (p1, first) = make()
        for _ in 0..<3 { p1.zeroGradient(); (p1 * p1).sum().backward(); first.step() }
        let (p2, second) = make()
        p2.assign(p1)
        try second.load(first.state)
        for (p, optimizer) in [(p1, first), (p2, second)] {
            p.zeroGradient(); (p * p).sum().backward(); optimizer.step()
        }
        #expect(p1.scalars == p2.scalars)
    }

    @Test func loadingMismatchedStateThrowsAndChangesNothing() throws {
        let p = Tensor([1, 2, 3])
        p.requiresGradient = true
        let optimizer = Adam(parameters: [p], learningRate: 0.1)
        let wrong = OptimizerState(tensors: ["exp_avg.0": Tensor(zeros: [2]), "exp_avg_sq.0": Tensor(zeros: [2])],
                                   numbers: ["learning_rate": 0.5, "step.0": 1])
        #expect(throws: CheckpointError.shapeMismatch(name: "Adam state exp_avg.0", expected: [3], found: [2])) {
            try optimizer.load(wrong)
        }
        #expect(optimizer.learningRate == 0.1)
    }

    @Test func gradientNormClippingMatchesPyTorch() {
        let f = Self.torch
        let a = Tensor(zeros: [3, 4]), b = Tensor(zeros: [5])
        a.requiresGradient = true
        b.requiresGradient = true
        (a * f.tensor("clip_grad_norm", "grad_a")).sum().backward()
        (b * f.tensor("clip_grad_norm", "grad_b")).sum().backward()
        let norm = clipGradientNorm(of: [a, b], maximumNorm: 1.5)
        assertClose(norm, f.tensor("clip_grad_norm", "norm").scalar, relative: 1e-5)
        assertClose(a.gradient!, f.tensor("clip_grad_norm", "clipped_a"), relative: 1e-5)
        assertClose(b.gradient!, f.tensor("clip_grad_norm", "clipped_b"), relative: 1e-5)
    }

    @Test func gradientValueClipping() {
        let a = Tensor([1, 2, 3])
        a.requiresGradient = true
        (a * Tensor([-5, 0.5, 9])).sum().backward()
        clipGradientValues(of: [a], maximumValue: 1)
        #expect(a.gradient!.scalars == [-1, 0.5, 1])
    }

    static let schedules: [String: any LearningRateSchedule] = [
        "schedule_step": StepDecay(stepSize: 7, gamma: 0.5),
        "schedule_multistep": MultiStepDecay(milestones: [5, 12, 20], gamma: 0.3),
        "schedule_exponential": ExponentialDecay(gamma: 0.9),
        "schedule_cosine": CosineAnnealing(period: 25, minimumRate: 0.001),
        "schedule_warmup_cosine": LinearWarmup(warmupSteps: 5, startFactor: 0.25, then: CosineAnnealing(period: 25)),
        "schedule_one_cycle": OneCycle(maximumRate: 0.5, totalSteps: 30),
    ]

    @Test(arguments: OptimizerTests.schedules.keys.sorted())
    func schedulesMatchPyTorch(_ name: String) throws {
        let schedule = try #require(Self.schedules[name])
        let optimizer = SGD(parameters: [Tensor([0])], learningRate: 0.1)
        let scheduler = LearningRateScheduler(schedule, optimizer: optimizer)
        var rates: [Float] = []
        for _ in 0..<30 {
            rates.append(optimizer.learningRate)
            scheduler.step()
        }
        assertClose(Tensor(rates), Self.torch.tensor(name, "rates"), relative: 1e-5, absolute: 1e-7)
        let resumed = SGD(parameters: [Tensor([0])], learningRate: 0.1)
        LearningRateScheduler(schedule, optimizer: resumed).restore(stepCount: 17)
        #expect(resumed.learningRate == rates[17])
    }
}
