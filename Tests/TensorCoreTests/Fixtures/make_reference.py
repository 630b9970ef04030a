"""Reference values for TensorCoreTests/ReferenceTests.swift, computed with NumPy (float64, then
rounded to float32). Regenerate with: python3 make_reference.py > tensor_ops.json

Each case stores its inputs and the expected output `out`; the Swift test maps the case name to
the same operation on our tensors.
"""
import json
import numpy as np

rng = np.random.default_rng(20261129)

def t(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(np.float32(v)) for v in a.reshape(-1)]}

def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)

def positive(*shape):
    return rng.uniform(0.5, 2.0, shape).astype(np.float32).astype(np.float64)

def logsumexp(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return (np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m).squeeze(axis)

cases = {}
def case(name, out, **inputs):
    cases[name] = {k: t(v) for k, v in inputs.items()}
    cases[name]["out"] = t(out)

a, b = normal(2, 3, 4), normal(3, 1)
case("add_broadcast_3d_2d", a + b, a=a, b=b)
a, b = normal(4, 5), normal(5)
case("sub_row_vector", a - b, a=a, b=b)
a, b = normal(2, 1, 4), normal(3, 1)
case("mul_both_broadcast", a * b, a=a, b=b)
a, b = normal(3, 4), positive(3, 1)
case("div_column", a / b, a=a, b=b)
x = positive(3, 4)
case("exp", np.exp(x), x=x)
case("log", np.log(x), x=x)
case("sqrt", np.sqrt(x), x=x)
case("pow_2_5", x ** 2.5, x=x)
x = normal(3, 4) * 3
case("tanh", np.tanh(x), x=x)
case("sigmoid", 1 / (1 + np.exp(-x)), x=x)
case("relu", np.maximum(x, 0), x=x)
case("abs", np.abs(x), x=x)
case("clamp_-1_0.5", np.clip(x, -1, 0.5), x=x)
x = normal(2, 3, 4)
case("sum_all", x.sum(), x=x)
case("sum_axis0", x.sum(axis=0), x=x)
case("sum_axes12", x.sum(axis=(1, 2)), x=x)
case("sum_axis-1", x.sum(axis=-1), x=x)
case("mean_axis1", x.mean(axis=1), x=x)
case("max_axis1", x.max(axis=1), x=x)
case("min_axis2", x.min(axis=2), x=x)
case("argmax_axis2", x.argmax(axis=2), x=x)
case("logsumexp_axis2", logsumexp(x * 10, 2), x=x * 10)
case("variance_axis1_unbiased", x.var(axis=1, ddof=1), x=x)
case("variance_axes02_population", x.var(axis=(0, 2), ddof=0), x=x)
a, b = normal(5, 7), normal(7, 3)
case("matmul_2d", a @ b, a=a, b=b)
a, b = normal(4, 5, 7), normal(4, 7, 3)
case("matmul_batched", a @ b, a=a, b=b)
a, b = normal(4, 5, 7), normal(7, 3)
case("matmul_batch_times_matrix", a @ b, a=a, b=b)
a, b = normal(7, 5), normal(3, 7)
case("matmul_transposed_views", a.T @ b.T, a=a, b=b)
a, b = normal(2, 3), normal(2, 5)
case("concatenate_axis1", np.concatenate([a, b], axis=1), a=a, b=b)
x = normal(6, 2, 2)
case("gather_rows_5_0_3_3", x[[5, 0, 3, 3]], x=x)

print(json.dumps(cases, indent=None, separators=(",", ":")))
