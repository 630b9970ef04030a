"""Checks an exported ONNX model with onnx's checker and runs it with onnxruntime.
Used by ComparisonTests/ONNXExportTests; run with the interop venv's Python:

    python onnx_run.py MODEL INPUT.bin D0,D1,... [int64]   # prints {"shape": [...], "output": [...]}
    python onnx_run.py MODEL --mnist-accuracy DIR   # accuracy on the 10,000 MNIST test images

The input file holds little-endian float32 values (or int64 token ids) in row-major order. MNIST images are
normalized as the Swift side does: (x / 255 - 0.1307) / 0.3081 in float32.
"""
import gzip
import json
import sys

import numpy as np
import onnx
import onnxruntime

model_path = sys.argv[1]
onnx.checker.check_model(onnx.load(model_path), full_check=True)
session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])

if sys.argv[2] == "--mnist-accuracy":
    folder = sys.argv[3]
    with gzip.open(f"{folder}/t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{folder}/t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    table = ((np.arange(256, dtype=np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)).astype(np.float32)
    inputs = table[images]
    correct = 0
    for start in range(0, len(labels), 1000):
        logits = session.run(None, {"input": inputs[start:start + 1000]})[0]
        correct += int((logits.argmax(axis=1) == labels[start:start + 1000]).sum())
    print(json.dumps({"accuracy": correct / len(labels), "correct": correct}))
else:
    shape = [int(d) for d in sys.argv[3].split(",")]
    dtype = "<i8" if len(sys.argv) > 4 and sys.argv[4] == "int64" else "<f4"
    values = np.fromfile(sys.argv[2], dtype=dtype).reshape(shape)
    output = session.run(None, {"input": values})[0]
    print(json.dumps({"shape": list(output.shape), "output": [float(v) for v in output.reshape(-1)]}))
