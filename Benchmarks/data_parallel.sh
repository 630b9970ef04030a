#!/usr/bin/env bash
# One MNIST epoch of a reference model under the Events and Structured frontends on 1 process and
# on N processes (mpirun, relaunched by --devices), same global batch, one after another in one
# run: prints train seconds, accuracy and the N-rank / 1-rank time ratio.
#   Benchmarks/data_parallel.sh [model (mlp)] [ranks (2)]
set -euo pipefail
model=${1:-mlp}
ranks=${2:-2}
cd "$(dirname "$0")/.."
swift build -c release --product mnist-events >/dev/null
swift build -c release --product mnist-structured >/dev/null
results=$(mktemp)
for program in events structured; do
    for devices in 1 "$ranks"; do
        .build/release/mnist-$program --model "$model" --devices "$devices" 2>/dev/null | grep '^{' >> "$results"
    done
done
python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
print(f"{'frontend':11} {'ranks':>5} {'train s':>8} {'test acc':>9}   ratio to 1 rank")
for run in runs:
    single = next(r for r in runs if r["frontend"] == run["frontend"] and r["world_size"] == 1)
    print(f"{run['frontend']:11} {run['world_size']:5} {run['train_seconds']:8.2f} {run['test_acc']:9.4f}   {run['train_seconds'] / single['train_seconds']:.2f}")
PY
rm -f "$results"
