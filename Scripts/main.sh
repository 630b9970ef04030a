#!/usr/bin/env bash
# The project's main job. Until the side-by-side comparison of the two frontends lands, it trains
# the three reference models on real MNIST with the raw core loop (no frontend), one epoch each,
# and prints one JSON record per run. Extra arguments go to every run (e.g. --epochs 2).
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

swift build -c release --product mnist-core
for model in seed mlp cnn; do
    .build/release/mnist-core --model "$model" "$@"
done
