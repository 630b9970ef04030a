#!/usr/bin/env bash
# Creates (or reuses) the Python venv of the interop tests, outside the checkout, and prints
# its path: TensorBoard's reader checks our event files, onnx and onnxruntime our exported models,
# a real `mlflow server` with MLflow's client checks the MLflow logger, and Pillow reads the
# screenshots of TensorBoard's dashboard (Tests/UI).
# These are test tools only, never a dependency of the package. The folder is
# $SWIFTTRAIN_VENV, or ~/.cache/swifttrain-interop-venv; it survives between runs as a cache.
set -euo pipefail
venv="${SWIFTTRAIN_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/swifttrain-interop-venv}"
packages=(tensorboard onnx onnxruntime mlflow pillow)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import tensorboard, onnx, onnxruntime, mlflow, PIL" 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}" >&2
fi
echo "$venv"
