#!/usr/bin/env bash
# The project's main job: the MNIST side-by-side comparison. For each reference model, the raw
# core loop, the Events frontend and the Structured frontend train on the same seed and data;
# `mnist-compare` prints one table per model (train time, samples/s, test accuracy, peak memory,
# final-weights checksum) and writes reports/comparison-<model>.html and reports/comparison.jsonl.
# Extra arguments go to every run (for example --epochs 3).
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

swift build -c release --product mnist-compare
swift build -c release --product mnist-core
swift build -c release --product mnist-events
swift build -c release --product mnist-structured
mkdir -p reports
: > reports/comparison.jsonl
for model in seed mlp cnn; do
    echo
    .build/release/mnist-compare --model "$model" --report "reports/comparison-$model.html" --json "reports/$model.jsonl" "$@"
    cat "reports/$model.jsonl" >> reports/comparison.jsonl
    rm -f "reports/$model.jsonl"
done
echo
echo "reports: reports/comparison-{seed,mlp,cnn}.html, reports/comparison.jsonl"
