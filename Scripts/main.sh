#!/usr/bin/env bash
# The project's main job. Until the MNIST side-by-side comparison lands, it trains a small
# network with the core alone (tensors + autograd + a hand-written SGD step).
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

swift build -c release --product core-demo
.build/release/core-demo "$@"
