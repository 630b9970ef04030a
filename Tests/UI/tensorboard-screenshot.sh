#!/usr/bin/env bash
# Checks what a user sees in TensorBoard after `mnist-structured --model cnn --logger tensorboard`:
# a real `tensorboard` server (from the interop venv) serves the run, headless Chromium takes
# screenshots of the scalar dashboard, and check_screenshot.py verifies that the loss and
# accuracy charts hold drawn curves, not empty axes. The server's own data endpoints must list
# the weight histograms and the HParams table (hyperparameters with final metrics).
#
# Usage: Tests/UI/tensorboard-screenshot.sh VENV [OUTPUT_DIR]
# Needs the release build of mnist-structured, chromium, and the venv of Scripts/setup-venv.sh.
# The screenshots stay in OUTPUT_DIR (default .build/ui) for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:?usage: Tests/UI/tensorboard-screenshot.sh VENV [OUTPUT_DIR]}"
out="${2:-.build/ui}"
mkdir -p "$out"
work="$(mktemp -d)"
tensorboard_pid=""
cleanup() {
    [ -n "$tensorboard_pid" ] && kill "$tensorboard_pid" 2>/dev/null && wait "$tensorboard_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

echo "  training: mnist-structured --model cnn --epochs 2 --logger tensorboard"
.build/release/mnist-structured --model cnn --epochs 2 --logger tensorboard --log-dir "$work/runs" > "$work/train.log" 2>&1 \
    || { cat "$work/train.log"; exit 1; }

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$venv/bin/tensorboard" --logdir "$work/runs" --host 127.0.0.1 --port "$port" --reload_interval 1 > "$work/tensorboard.log" 2>&1 &
tensorboard_pid=$!
url="http://127.0.0.1:$port"

# The server reads the event files in the background: wait until it lists the scalar tags.
for _ in $(seq 1 60); do
    if curl -sf "$url/data/plugin/scalars/tags" 2>/dev/null | grep -q val_accuracy; then break; fi
    sleep 1
done

"$venv/bin/python" Tests/UI/check_tensorboard_data.py "$url"

# A viewport of one chart card: the filter puts the matching chart first, so the screenshot
# holds that chart and nothing else that could be mistaken for a curve.
for tag in train_loss val_accuracy; do
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,480 \
        --virtual-time-budget=30000 --screenshot="$out/tensorboard-$tag.png" "$url/#scalars&tagFilter=%5E$tag%24" \
        > "$work/chromium.log" 2>&1 || { tail -5 "$work/chromium.log"; exit 1; }
    "$venv/bin/python" Tests/UI/check_screenshot.py "$out/tensorboard-$tag.png" "$tag"
done
echo "  screenshots: $out/tensorboard-train_loss.png, $out/tensorboard-val_accuracy.png"
