"""Checks that PyTorch loads zero_checkpoint.safetensors, a ZeRO-1 checkpoint that 2 ranks wrote
(ReshardingTests.swift regenerates it with REGENERATE_FIXTURES=1 and checks its layout).

The model's tensors go into an nn.Sequential with load_state_dict, the gathered Adam moments
into torch.optim.Adam with load_state_dict, and one step runs. With a second argument, the file
`checkpoint-tool export` wrote from it loads with load_state_dict as it is. Prints what it loaded.
Run with a Python that has torch and safetensors:  python check_zero_checkpoint.py
"""
import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "zero_checkpoint.safetensors")
tensors = load_file(path)
with safe_open(path, framework="pt") as f:
    metadata = f.metadata()

model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True)

numbers = json.loads(metadata["optimizer_numbers"])
parameters = list(model.parameters())
optimizer = torch.optim.Adam(parameters, lr=numbers["learning_rate"])
state = {
    i: {
        "step": torch.tensor(float(numbers[f"step.{i}"])),
        "exp_avg": tensors[f"optimizer.exp_avg.{i}"],
        "exp_avg_sq": tensors[f"optimizer.exp_avg_sq.{i}"],
    }
    for i in range(len(parameters))
}
saved = optimizer.state_dict()
saved["state"] = state
optimizer.load_state_dict(saved)

loss = model(torch.randn(8, 4)).logsumexp(dim=1).mean()
loss.backward()
optimizer.step()
steps = [int(optimizer.state[p]["step"]) for p in parameters]
print(f"loaded {len(tensors)} tensors; Adam state for {len(state)} parameters at step {steps[0] - 1}, stepped to {steps}")
assert all(s == steps[0] for s in steps)

if len(sys.argv) > 1:
    exported = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    print("checkpoint-tool export:", exported.load_state_dict(load_file(sys.argv[1]), strict=True))
