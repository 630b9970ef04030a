#!/usr/bin/env bash
# What each frontend adds to a training batch, in instructions: a figure the noise of a shared
# machine cannot move. Wall-clock ratios between the three programs drift by ±15% from run to
# run there, far more than the few percent a frontend may cost.
#
# Each program (mnist-core, mnist-events, mnist-structured) runs under Valgrind's instruction
# counter twice, training on `short` and on `long` images with one evaluation at the end. The
# difference between the two counts is what `(long - short) / batch` more training batches cost:
# loading, start-up and the evaluation cancel out. Reported per batch and against the core loop.
#
# Valgrind does not run AVX-512 code, so the kernels run at their AVX2 level and OpenBLAS runs
# its Haswell kernels; the frontends' own code is the same at every level. Everything runs on one
# thread, because a worker thread waiting for work spins for a number of instructions that varies
# from run to run: OMPI_COMM_WORLD_LOCAL_SIZE set to the number of cores says that many
# processes share the machine, so each keeps its loops and OpenBLAS to one thread (the rule
# `mpirun` relies on). SWIFT_DETERMINISTIC_HASHING fixes the seed of Swift's hashing, whose
# random seed otherwise changes the probes of every dictionary from one run to the next. Valgrind 3.19 cannot read the debug
# information Swift 6 writes, so the programs run from copies without it.
#
# The seed model trains on 3,200 and 9,600 images (100 batches apart); the mlp and the cnn, whose
# batches take Valgrind far longer, on 640 and 1,920 (20 batches apart). SHORT and LONG override.
#
#   Benchmarks/frontend_instructions.sh [models...]        # default: seed mlp
set -euo pipefail
models=${*:-seed mlp}
for model in $models; do
    case "$model" in seed|mlp|cnn) ;; *) echo "frontend_instructions.sh: unknown model '$model' (use seed, mlp or cnn)" >&2; exit 2 ;; esac
done
batch=64
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${MNIST_DIR:-$root/../shared/data/mnist}"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for program in core events structured; do
    swift build -c release --product "mnist-$program" >/dev/null
    strip -g ".build/release/mnist-$program" -o "$work/mnist-$program"
done
# Uncompressed copies load in a fraction of the time under Valgrind (the loader reads either).
mkdir "$work/mnist"
for file in "$data"/*-ubyte.gz; do gunzip -c "$file" > "$work/mnist/$(basename "$file" .gz)"; done

count() {   # program model limit -> instructions; a run that fails shows its output and stops the script
    local output instructions
    output=$(OMPI_COMM_WORLD_LOCAL_SIZE=$(nproc) OPENBLAS_CORETYPE=Haswell SWIFTTRAIN_ISA=avx2 SWIFT_DETERMINISTIC_HASHING=1 \
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$work/mnist-$1" --model "$2" --limit "$3" --validations-per-epoch 1 --data "$work/mnist" 2>&1) || {
        echo "mnist-$1 --model $2 --limit $3 failed under Valgrind:" >&2; echo "$output" | tail -20 >&2; return 1; }
    instructions=$(echo "$output" | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,)
    [ -n "$instructions" ] || { echo "no instruction count from mnist-$1 --model $2:" >&2; echo "$output" | tail -20 >&2; return 1; }
    echo "$instructions"
}

printf "%-6s %-11s %16s %10s\n" model frontend "instr/batch" "vs core"
for model in $models; do
    if [ "$model" = seed ]; then short=${SHORT:-3200} long=${LONG:-9600}; else short=${SHORT:-640} long=${LONG:-1920}; fi
    core=""
    for program in core events structured; do
        # The two lengths run side by side; each is one single-threaded process.
        count "$program" "$model" "$short" > "$work/short" & first=$!
        count "$program" "$model" "$long" > "$work/long" & second=$!
        wait "$first" && wait "$second" || exit 1
        perBatch=$(( ($(cat "$work/long") - $(cat "$work/short")) * batch / (long - short) ))
        core=${core:-$perBatch}
        awk -v m="$model" -v p="$program" -v n="$perBatch" -v c="$core" \
            'BEGIN { printf "%-6s %-11s %16d %+9.2f%%\n", m, p, n, (n - c) * 100 / c }'
    done
done
