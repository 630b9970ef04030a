"""Safetensors interoperability fixtures for CheckpointTests.swift.

1. Writes python_written.safetensors with torch + safetensors (the Swift test loads it).
2. Checks swift_written.safetensors, which the Swift test regenerates with
   REGENERATE_FIXTURES=1 and otherwise compares byte for byte: it must load in Python's
   safetensors and in PyTorch with the expected names, shapes and values.

Run with a Python that has torch and safetensors:  python make_safetensors_fixture.py
"""
import os
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

here = os.path.dirname(os.path.abspath(__file__))

python_tensors = {
    "fc.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5,
    "fc.bias": torch.tensor([-1.0, 2.0]),
    "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
    "bn.running_var": torch.tensor([0.25, 4.0], dtype=torch.float64),
}
save_file(python_tensors, os.path.join(here, "python_written.safetensors"), metadata={"source": "python"})

# What the Swift test writes: a Linear(3, 2) state with these values and one metadata entry.
swift_expected = {
    "weight": torch.tensor([[1.5, -2.0, 0.25], [3.0, 0.0, -0.125]]),
    "bias": torch.tensor([0.5, -4.0]),
}
path = os.path.join(here, "swift_written.safetensors")
if os.path.exists(path):
    loaded = load_file(path)
    assert set(loaded) == set(swift_expected), loaded.keys()
    for name, value in swift_expected.items():
        assert torch.equal(loaded[name], value), (name, loaded[name])
    with safe_open(path, framework="pt") as f:
        assert f.metadata() == {"written_by": "swifttrain"}, f.metadata()
    model = torch.nn.Linear(3, 2)
    model.load_state_dict(loaded)
    print("swift_written.safetensors loads in safetensors and torch.nn.Linear: OK")
else:
    print("swift_written.safetensors missing: run the Swift test with REGENERATE_FIXTURES=1")
