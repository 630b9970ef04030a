"""Reference values from PyTorch for TensorCoreTests (layers, losses, optimizers, schedules).

Run with a Python that has torch:  python make_torch_reference.py > torch_reference.json
Each case stores inputs, parameters and the expected outputs and gradients as float32 arrays
with shapes; the Swift tests run the same computation and compare.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261129)
cases = {}

def t(x):
    x = torch.as_tensor(x, dtype=torch.float32).detach()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}

def case(name, **entries):
    cases[name] = {k: t(v) for k, v in entries.items()}

def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)

# --- Linear and convolution: forward and all gradients against a random upstream gradient.
x, w, b = leaf(4, 5), leaf(3, 5), leaf(3)
y = F.linear(x, w, b); g = torch.randn_like(y); y.backward(g)
case("linear", x=x, weight=w, bias=b, upstream=g, out=y, grad_x=x.grad, grad_weight=w.grad, grad_bias=b.grad)

for stride, padding in [(1, 0), (2, 1)]:
    x, w, b = leaf(2, 3, 7, 6), leaf(4, 3, 3, 3), leaf(4)
    y = F.conv2d(x, w, b, stride=stride, padding=padding); g = torch.randn_like(y); y.backward(g)
    case(f"conv2d_s{stride}_p{padding}", x=x, weight=w, bias=b, upstream=g, out=y,
         grad_x=x.grad, grad_weight=w.grad, grad_bias=b.grad)

x = leaf(2, 3, 6, 6)
y = F.max_pool2d(x, 2); g = torch.randn_like(y); y.backward(g)
case("max_pool_2", x=x, upstream=g, out=y, grad_x=x.grad)
x = leaf(2, 2, 7, 7)
y = F.max_pool2d(x, 3, stride=2, padding=1); g = torch.randn_like(y); y.backward(g)
case("max_pool_3_s2_p1", x=x, upstream=g, out=y, grad_x=x.grad)
x = leaf(2, 3, 6, 6)
y = F.avg_pool2d(x, 2); g = torch.randn_like(y); y.backward(g)
case("avg_pool_2", x=x, upstream=g, out=y, grad_x=x.grad)

# --- Losses.
logits = leaf(6, 5, scale=2.0); labels = torch.tensor([0, 4, 2, 2, 1, 3])
for smoothing in [0.0, 0.1]:
    z = logits.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(z, labels, label_smoothing=smoothing); loss.backward()
    case(f"cross_entropy_smoothing_{smoothing}", logits=z, labels=labels.float(), out=loss, grad_logits=z.grad)
z = logits.detach().clone().requires_grad_(True)
loss = F.cross_entropy(z, labels, reduction="none")
case("cross_entropy_none", logits=z, labels=labels.float(), out=loss)
z = logits.detach().clone().requires_grad_(True)
loss = F.cross_entropy(z, labels, reduction="sum")
case("cross_entropy_sum", logits=z, labels=labels.float(), out=loss)
z = logits.detach().clone().requires_grad_(True)
loss = F.nll_loss(F.log_softmax(z, 1), labels); loss.backward()
case("nll_of_log_softmax", logits=z, labels=labels.float(), out=loss, grad_logits=z.grad)
p, e = leaf(4, 3), torch.randn(4, 3)
loss = F.mse_loss(p, e); loss.backward()
case("mse", predicted=p, expected=e, out=loss, grad_predicted=p.grad)
z, y = leaf(5, 2, scale=3.0), torch.rand(5, 2)
loss = F.binary_cross_entropy_with_logits(z, y); loss.backward()
case("bce_with_logits", logits=z, labels=y, out=loss, grad_logits=z.grad)
z = leaf(3, 4)
y = F.softmax(z, 1); g = torch.randn_like(y); y.backward(g)
case("softmax", x=z, upstream=g, out=y, grad_x=z.grad)

# --- Batch norm: a training step (output, running stats, gradients) then evaluation.
for name, shape, make in [("batch_norm_1d", (8, 3), lambda: torch.nn.BatchNorm1d(3)),
                          ("batch_norm_2d", (4, 3, 3, 2), lambda: torch.nn.BatchNorm2d(3))]:
    bn = make()
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3)); bn.bias.copy_(torch.randn(3))
    x = leaf(*shape, scale=2.0)
    y = bn(x); g = torch.randn_like(y); y.backward(g)
    bn.eval(); x2 = torch.randn(*shape); y2 = bn(x2)
    case(name, x=x, weight=bn.weight, bias=bn.bias, upstream=g, out=y, grad_x=x.grad,
         grad_weight=bn.weight.grad, grad_bias=bn.bias.grad, running_mean=bn.running_mean,
         running_var=bn.running_var, eval_x=x2, eval_out=y2)

# --- Optimizers: five steps from the same start with a fixed sequence of gradients.
start = torch.randn(4, 3)
grads = [torch.randn(4, 3) for _ in range(5)]
optimizers = {
    "sgd_plain": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_dampening_weight_decay": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "adam_weight_decay": lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.05),
}
for name, make in optimizers.items():
    p = start.clone().requires_grad_(True)
    opt = make([p])
    after = []
    for g in grads:
        p.grad = g.clone(); opt.step(); after.append(p.detach().clone())
    case(f"optimizer_{name}", start=start, grads=torch.stack(grads), after=torch.stack(after))

# --- Gradient clipping.
a, b = torch.randn(3, 4), torch.randn(5)
pa, pb = a.clone().requires_grad_(True), b.clone().requires_grad_(True)
pa.grad, pb.grad = a.clone() * 3, b.clone() * 3
norm = torch.nn.utils.clip_grad_norm_([pa, pb], max_norm=1.5)
case("clip_grad_norm", grad_a=a * 3, grad_b=b * 3, norm=norm, clipped_a=pa.grad, clipped_b=pb.grad)

# --- Learning-rate schedules: the rate after 0..29 scheduler steps.
def rates(make_scheduler, lr=0.1, steps=30):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step(); scheduler.step()
    return torch.tensor(out, dtype=torch.float64)

S = torch.optim.lr_scheduler
case("schedule_step", rates=rates(lambda o: S.StepLR(o, step_size=7, gamma=0.5)))
case("schedule_multistep", rates=rates(lambda o: S.MultiStepLR(o, milestones=[5, 12, 20], gamma=0.3)))
case("schedule_exponential", rates=rates(lambda o: S.ExponentialLR(o, gamma=0.9)))
case("schedule_cosine", rates=rates(lambda o: S.CosineAnnealingLR(o, T_max=25, eta_min=0.001)))
case("schedule_warmup_cosine", rates=rates(lambda o: S.SequentialLR(
    o, [S.LinearLR(o, start_factor=0.25, total_iters=5), S.CosineAnnealingLR(o, T_max=25)], milestones=[5])))
case("schedule_one_cycle", rates=rates(lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30)))

print(json.dumps(cases, separators=(",", ":")))
