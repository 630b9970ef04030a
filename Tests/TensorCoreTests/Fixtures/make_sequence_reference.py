"""Reference values from PyTorch for the sequence-model operations and layers (SequenceTests).

Run with a Python that has torch:  python make_sequence_reference.py > sequence_reference.json
Each case stores inputs, parameters, a random upstream gradient, and PyTorch's outputs and
gradients as float32 arrays with shapes. Index inputs (token ids, targets) are stored as floats
holding whole numbers; the Swift tests turn them into IndexTensors.
"""
import json
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261129)
cases = {}

def t(x):
    x = torch.as_tensor(x).detach().to(torch.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}

def case(name, **entries):
    cases[name] = {k: t(v) for k, v in entries.items()}

def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)

def run(f, *inputs):
    y = f(*inputs)
    g = torch.randn_like(y)
    y.backward(g)
    return y, g

# --- Axis operations
x = leaf(2, 3, 4, 5); y, g = run(lambda x: x.permute(2, 0, 3, 1), x)
case("permute", x=x, upstream=g, out=y, grad_x=x.grad)
x = leaf(2, 5, 3); y, g = run(lambda x: x[:, 1:4], x)
case("slice", x=x, upstream=g, out=y, grad_x=x.grad)
x = leaf(3, 4); y, g = run(lambda x: torch.triu(x, 1) + torch.tril(x, -1) * 2, x)
case("triangular", x=x, upstream=g, out=y, grad_x=x.grad)

# --- Elementwise and softmax
x = leaf(3, 7, scale=2.0)
for name, f in [("erf", torch.erf), ("gelu", F.gelu), ("gelu_tanh", lambda v: F.gelu(v, approximate="tanh"))]:
    x.grad = None; y, g = run(f, x)
    case(name, x=x, upstream=g, out=y, grad_x=x.grad)
x = leaf(2, 3, 4, scale=3.0); y, g = run(lambda v: F.softmax(v, dim=1), x)
case("softmax_axis1", x=x, upstream=g, out=y, grad_x=x.grad)
x.grad = None; y, g = run(lambda v: F.log_softmax(v, dim=0), x)
case("log_softmax_axis0", x=x, upstream=g, out=y, grad_x=x.grad)

# --- Batched matmul with broadcast leading axes
a, b = leaf(2, 1, 3, 4), leaf(3, 4, 5); y, g = run(torch.matmul, a, b)
case("matmul_broadcast", a=a, b=b, upstream=g, out=y, grad_a=a.grad, grad_b=b.grad)

# --- Layers
x, w, bias = leaf(2, 3, 8), leaf(8), leaf(8)
y, g = run(lambda x, w, b: F.layer_norm(x, (8,), w, b), x, w, bias)
case("layer_norm", x=x, weight=w, bias=bias, upstream=g, out=y, grad_x=x.grad, grad_weight=w.grad, grad_bias=bias.grad)

weight = leaf(10, 4); ids = torch.tensor([[1, 3, 3], [9, 0, 1]])
y, g = run(lambda w: F.embedding(ids, w), weight)
case("embedding", weight=weight, ids=ids, upstream=g, out=y, grad_weight=weight.grad)

logits = leaf(2, 3, 5); targets = torch.tensor([[1, 4, -100], [0, 2, 3]])
loss = F.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1), ignore_index=-100, label_smoothing=0.1)
loss.backward()
case("cross_entropy_sequence", logits=logits, targets=targets, loss=loss, grad_logits=logits.grad)

q, k, v = leaf(2, 2, 5, 4), leaf(2, 2, 5, 4), leaf(2, 2, 5, 3)
y, g = run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)
case("attention_causal", q=q, k=k, v=v, upstream=g, out=y, grad_q=q.grad, grad_k=k.grad, grad_v=v.grad)
q.grad = k.grad = v.grad = None
pad = torch.tensor([[False, False, False, True, True], [False] * 5]).reshape(2, 1, 1, 5)
y, g = run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=~pad), q, k, v)
case("attention_padding", q=q, k=k, v=v, mask=pad, upstream=g, out=y, grad_q=q.grad, grad_k=k.grad, grad_v=v.grad)

mha = nn.MultiheadAttention(8, 2, batch_first=True)
x = leaf(2, 5, 8)
causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
y, g = run(lambda x: mha(x, x, x, attn_mask=causal, need_weights=False)[0], x)
case("multi_head_attention", x=x, in_proj_weight=mha.in_proj_weight, in_proj_bias=mha.in_proj_bias,
     out_proj_weight=mha.out_proj.weight, out_proj_bias=mha.out_proj.bias, upstream=g, out=y,
     grad_x=x.grad, grad_in_proj_weight=mha.in_proj_weight.grad, grad_out_proj_weight=mha.out_proj.weight.grad)

# --- Recurrent layers with PyTorch's weights: outputs, final states and gradients
for kind, cls in [("lstm", nn.LSTM), ("gru", nn.GRU)]:
    net = cls(5, 4, num_layers=2, batch_first=True)
    x = leaf(2, 3, 5)
    out, state = net(x)
    g = torch.randn_like(out)
    out.backward(g)
    entries = {name: p for name, p in net.named_parameters()}
    entries.update({f"grad_{name}": p.grad for name, p in net.named_parameters()})
    final = {"h_n": state[0], "c_n": state[1]} if kind == "lstm" else {"h_n": state}
    case(kind, x=x, upstream=g, out=out, grad_x=x.grad, **final, **entries)

# --- AdamW with two parameter groups (decay on matrices only, a second learning rate)
torch.manual_seed(7)
m, bvec = torch.randn(3, 4, requires_grad=True), torch.randn(4, requires_grad=True)
m0, b0 = m.detach().clone(), bvec.detach().clone()
opt = torch.optim.AdamW([{"params": [m], "weight_decay": 0.1}, {"params": [bvec], "weight_decay": 0.0, "lr": 3e-3}],
                        lr=1e-2, betas=(0.9, 0.99))
grads = []
for step in range(5):
    gm, gb = torch.randn(3, 4), torch.randn(4)
    grads += [gm, gb]
    m.grad, bvec.grad = gm, gb
    opt.step()
case("adamw_groups", matrix=m0, vector=b0, grads_matrix=torch.stack(grads[0::2]), grads_vector=torch.stack(grads[1::2]),
     matrix_after=m, vector_after=bvec)

print(json.dumps(cases, separators=(",", ":")))
