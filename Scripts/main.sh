#!/usr/bin/env bash
# The project's main job: the MNIST side-by-side comparison, then the character-level GPT's.
# For each reference model, the raw
# core loop, the Events frontend and the Structured frontend train on the same seed and data;
# `mnist-compare` prints one table per model (train time, samples/s, test accuracy, peak memory,
# final-weights checksum) and writes reports/comparison-<model>.html and reports/comparison.jsonl.
# Extra arguments go to every MNIST run (for example --epochs 3). Then `char-lm-compare` trains
# the character-level GPT on ../shared/data/shakespeare/tragedies.txt for CHAR_LM_STEPS steps
# (300 by default, so the job stays short; 2000 is the reference run) under the three frontends
# and writes reports/char-lm.html and reports/char-lm.jsonl. Last, `mnist-gan-compare` trains the
# classic fully connected GAN for GAN_EPOCHS epochs (5) under the three frontends, checks that the
# weights are bit-identical, judges 1,000 generated digits with the reference CNN and writes
# reports/gan.html (with each epoch's 8x8 grid) and reports/gan.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

swift build -c release --product mnist-compare
swift build -c release --product mnist-core
swift build -c release --product mnist-events
swift build -c release --product mnist-structured
swift build -c release --product char-lm
swift build -c release --product char-lm-compare
swift build -c release --product mnist-gan
swift build -c release --product mnist-gan-compare
mkdir -p reports
: > reports/comparison.jsonl
for model in seed mlp cnn; do
    echo
    .build/release/mnist-compare --model "$model" --lr-find --report "reports/comparison-$model.html" --json "reports/$model.jsonl" "$@"
    cat "reports/$model.jsonl" >> reports/comparison.jsonl
    rm -f "reports/$model.jsonl"
done
echo
corpus="${SHAKESPEARE_FILE:-../shared/data/shakespeare/tragedies.txt}"
.build/release/char-lm-compare --data "$corpus" --steps "${CHAR_LM_STEPS:-300}" --sample 300 \
    --report reports/char-lm.html --json reports/char-lm.jsonl
echo
.build/release/mnist-gan-compare --epochs "${GAN_EPOCHS:-5}" --check-epochs 6 --out reports/gan \
    --report reports/gan.html --json reports/gan.jsonl
echo
echo "reports: reports/comparison-{seed,mlp,cnn}.html, reports/comparison.jsonl, reports/char-lm.html, reports/char-lm.jsonl,"
echo "         reports/gan.html, reports/gan.jsonl"
