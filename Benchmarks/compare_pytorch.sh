#!/usr/bin/env bash
# Runs the PyTorch, Lightning and Ignite reference (../shared/reference/pytorch/mnist_torch.py)
# and our three programs on the same MNIST workloads, one after another in one run, and prints
# the ratios of train seconds. Needs a venv with torch, lightning and pytorch-ignite:
#
#   python3 -m venv ~/anchors-venv && ~/anchors-venv/bin/pip install torch lightning pytorch-ignite
#   Benchmarks/compare_pytorch.sh ~/anchors-venv [models...]
set -euo pipefail
venv=${1:?usage: compare_pytorch.sh VENV [seed mlp cnn]}
shift
models=${*:-seed mlp cnn}
root="$(cd "$(dirname "$0")/.." && pwd)"
reference="$root/../shared/reference/pytorch/mnist_torch.py"
data="${MNIST_DIR:-$root/../shared/data/mnist}"
[ -f "$reference" ] || { echo "missing $reference" >&2; exit 1; }
cd "$root"
swift build -c release --product mnist-core >/dev/null
swift build -c release --product mnist-events >/dev/null
swift build -c release --product mnist-structured >/dev/null
swift build -c release --product mnist-compare >/dev/null

results=$(mktemp)
for model in $models; do
    for frontend in raw lightning ignite; do
        "$venv/bin/python" "$reference" --frontend "$frontend" --model "$model" --data "$data" 2>/dev/null | tail -1 >> "$results"
    done
    for program in core events structured; do
        .build/release/mnist-$program --model "$model" --data "$data" 2>/dev/null | grep '^{' >> "$results"
    done
done

python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
print(f"{'model':6} {'run':11} {'train s':>8} {'test acc':>9} {'peak MB':>8}   vs raw PyTorch")
for model in dict.fromkeys(r["model"] for r in runs):
    rows = [r for r in runs if r["model"] == model]
    base = next(r["train_seconds"] for r in rows if r["frontend"] == "raw")
    for r in rows:
        name = {"raw": "pytorch", "lightning": "lightning", "ignite": "ignite"}.get(r["frontend"], "ours:" + r["frontend"])
        speed = base / r["train_seconds"]
        print(f"{model:6} {name:11} {r['train_seconds']:8.2f} {r['test_acc']:9.4f} {r['peak_rss_mb']:8.0f}   {speed:5.2f}x faster" if speed >= 1
              else f"{model:6} {name:11} {r['train_seconds']:8.2f} {r['test_acc']:9.4f} {r['peak_rss_mb']:8.0f}   {1/speed:5.2f}x slower")
PY
# The originals' rows join the side-by-side report of each model.
mkdir -p reports
for model in $models; do
    .build/release/mnist-compare --model "$model" --data "$data" --reference "$results" \
        --report "reports/comparison-$model-pytorch.html" > /dev/null
    echo "report with the PyTorch, Lightning and Ignite rows: reports/comparison-$model-pytorch.html"
done
rm -f "$results"
