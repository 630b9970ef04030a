#!/usr/bin/env bash
# Scaling on the simulated two-node cluster (Scripts/cluster.sh): all-reduce latency and
# bandwidth on the link and their alpha-beta fit, the overlap of communication with backward,
# and the scaling model checked against 2-rank MNIST runs, then its prediction for 8, 64 and 512
# ranks on 10 and 100 Gbit/s networks. Needs root (network namespaces) and the MNIST data.
# Run on a quiet machine; writes reports/cluster-scaling.jsonl and prints the tables
# (Benchmarks/scaling_model.py explains the model).
#   Benchmarks/cluster_scaling.sh [rounds (2)]
set -euo pipefail
rounds=${1:-2}
cd "$(dirname "$0")/.."
source Scripts/cluster.sh
cluster_possible || { echo "cluster_scaling: this machine does not allow network namespaces"; exit 1; }
swift build -c release --product mnist-events >/dev/null
swift build -c release --product char-lm >/dev/null
(cd Benchmarks && swift build -c release --product scaling-benchmark >/dev/null)
for candidate in "${MNIST_DIR:-}" data/mnist ../shared/data/mnist; do
    [ -n "$candidate" ] && [ -f "$candidate/train-images-idx3-ubyte.gz" ] && { mnist=$(cd "$candidate" && pwd); break; }
done
corpus=../shared/data/shakespeare/tragedies.txt
mkdir -p reports
out=reports/cluster-scaling.jsonl
: > "$out"
trap cluster_down EXIT
cluster_up
echo "cluster: $cluster_shaping" >&2

note() { python3 -c 'import json,sys; r=json.loads(sys.argv[2]); r.update(json.loads(sys.argv[1])); print(json.dumps(r))' "$1" "$2"; }

echo "== all-reduce sweep and overlap (2 ranks, one per node)" >&2
cluster_mpirun -np 2 Benchmarks/.build/release/scaling-benchmark | grep '^{' >> "$out"

echo "== MNIST: one core with a rank's batch (32) against 2 ranks on the cluster (global 64), $rounds rounds" >&2
for round in $(seq "$rounds"); do
    for model in cnn mlp; do
        record=$(taskset -c 0 env OPENBLAS_NUM_THREADS=1 .build/release/mnist-events --model "$model" --batch-size 32 \
            --validations-per-epoch 1 --data "$mnist" 2>/dev/null | grep '^{' | tail -1)
        note "{\"kind\": \"one-core\", \"steps\": 1875}" "$record" >> "$out"
        record=$(cluster_mpirun -np 2 -x MNIST_DIR="$mnist" .build/release/mnist-events --model "$model" --batch-size 64 \
            --validations-per-epoch 1 --data "$mnist" 2>/dev/null | grep '^{' | tail -1)
        note "{\"kind\": \"cluster\", \"steps\": 938}" "$record" >> "$out"
        # The full machine, one process, global batch 64: the compute time the prediction scales.
        record=$(.build/release/mnist-events --model "$model" --batch-size 64 --validations-per-epoch 1 --data "$mnist" 2>/dev/null \
            | grep '^{' | tail -1)
        note "{\"kind\": \"one-process\", \"steps\": 938}" "$record" >> "$out"
    done
done

echo "== char-level GPT, one process (300 steps)" >&2
.build/release/char-lm --frontend core --steps 300 --data "$corpus" --json "$cluster_dir/gpt.jsonl" >/dev/null 2>&1
note '{"kind": "one-process-gpt"}' "$(tail -1 "$cluster_dir/gpt.jsonl")" >> "$out"

python3 Benchmarks/scaling_model.py "$out"
