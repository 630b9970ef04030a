#!/usr/bin/env bash
# What must hold across machines, checked on a two-node cluster simulated on this machine
# (Scripts/cluster.sh: two network namespaces, a shaped veth link, mpirun with an agent that
# enters the other namespace). Needs the release build (swift build -c release --build-tests)
# and the MNIST data. Tears everything down afterwards, also on failure or Ctrl-C. Where the
# machine does not allow network namespaces it says so and exits 0.
#   1. the MPI suite (collectives, data parallelism equal to one process, overlap equal to no
#      overlap) passes with one rank per node;
#   2. one MNIST epoch on the cluster gives the weights of the same 2-rank run on one machine,
#      bit for bit;
#   3. a rank killed on one node ends the whole job within seconds;
#   4. Ctrl-C (SIGINT to mpirun) stops the ranks on both nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/cluster.sh

if ! cluster_possible; then
    echo "cluster test skipped: this machine does not allow network namespaces (needs root, ip netns, tc, unshare)"
    exit 0
fi
trap cluster_down EXIT
trap 'cluster_down; exit 130' INT TERM

build=.build/release
for product in SwiftTrainPackageTests.xctest mnist-events; do
    [ -e "$build/$product" ] || { echo "cluster test: $build/$product is missing; build with swift build -c release --build-tests"; exit 1; }
done
for candidate in "${MNIST_DIR:-}" data/mnist ../shared/data/mnist; do
    [ -n "$candidate" ] && [ -f "$candidate/train-images-idx3-ubyte.gz" ] && { mnist=$(cd "$candidate" && pwd); break; }
done
[ -n "${mnist:-}" ] || { echo "cluster test: no MNIST data (MNIST_DIR, ./data/mnist, ../shared/data/mnist)"; exit 1; }

cluster_up
echo "cluster: nodeA 10.77.0.1, nodeB 10.77.0.2 ($cluster_shaping), mpirun over TCP through plm_rsh_agent"
failures=0
fail() { echo "  FAILED: $*"; failures=$((failures + 1)); }
log="$cluster_dir/log"

echo "== 1. MPI suite, one rank per node"
if cluster_mpirun -np 2 "$build/SwiftTrainPackageTests.xctest" --testing-library swift-testing --filter MPITests > "$log" 2>&1; then
    echo "  $(grep -E 'Test run with' "$log" | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
else
    grep -E '✘|rank [0-9]+ of' "$log" | head -10
    fail "the MPI suite failed on the cluster"
fi

# Unpinned on both sides: a rank pinned to one core runs OpenBLAS on one thread, which rounds differently.
echo "== 2. one MNIST epoch (mlp, global batch 64): the cluster against 2 unpinned ranks on one machine"
root_flag=""
[ "$(id -u)" -eq 0 ] && root_flag="--allow-run-as-root"
arguments=(--model mlp --epochs 1 --validations-per-epoch 1 --data "$mnist")
cluster_mpirun -np 2 -x MNIST_DIR="$mnist" "$build/mnist-events" "${arguments[@]}" --json "$cluster_dir/cluster.jsonl" > "$log" 2>&1 \
    || { tail -5 "$log"; fail "the MNIST run failed on the cluster"; }
mpirun $root_flag --oversubscribe --bind-to none -np 2 "$build/mnist-events" "${arguments[@]}" --json "$cluster_dir/local.jsonl" > "$log" 2>&1 \
    || { tail -5 "$log"; fail "the MNIST run failed on one machine"; }
python3 - "$cluster_dir/cluster.jsonl" "$cluster_dir/local.jsonl" <<'PY' || fail "the cluster's weights differ from one machine's"
import json, sys
cluster, local = (json.loads(open(path).read().splitlines()[-1]) for path in sys.argv[1:3])
print(f"  cluster: weights {cluster['weights_crc32']}, test accuracy {cluster['test_acc']:.4f}, {cluster['train_seconds']:.2f} s;"
      f" one machine: {local['weights_crc32']}, {local['test_acc']:.4f}, {local['train_seconds']:.2f} s")
sys.exit(0 if cluster["weights_crc32"] == local["weights_crc32"] and cluster["world_size"] == 2 else 1)
PY

# Starts a long run on the cluster in the background; sets job (mpirun's pid) once both
# nodes' ranks are training.
start_long_run() {
    # Job control on: a background job of a script would otherwise ignore SIGINT, and so would mpirun.
    set -m
    cluster_mpirun -np 2 -x MNIST_DIR="$mnist" "$build/mnist-events" --model mlp --epochs 50 --data "$mnist" > "$log" 2>&1 &
    job=$!
    set +m
    local waited=0
    until [ -n "$(cluster_pids "$cluster_ns_b" mnist-events)" ] && [ -n "$(cluster_pids "$cluster_ns_a" mnist-events)" ]; do
        sleep 0.2
        waited=$((waited + 1))
        [ "$waited" -lt 300 ] || { fail "the ranks did not start within 60 s"; return 1; }
    done
    sleep 3   # past data loading, into training
}

# Waits for the job to end; prints the seconds it took; fails after `limit` seconds.
seconds_until_end() {
    local limit=$1 start elapsed
    start=$(date +%s%N)
    while kill -0 "$job" 2>/dev/null; do
        sleep 0.1
        elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
        [ "$elapsed" -le $((limit * 1000)) ] || { echo "more than $limit"; return 1; }
    done
    elapsed=$(( ($(date +%s%N) - start) / 100000000 ))
    echo "$((elapsed / 10)).$((elapsed % 10))"
}

echo "== 3. a rank killed on nodeB ends the job"
if start_long_run; then
    victim=$(cluster_pids "$cluster_ns_b" mnist-events | head -1)
    kill -9 "$victim"
    if took=$(seconds_until_end 20); then
        wait "$job" && status=0 || status=$?
        survivors=$(cluster_pids "$cluster_ns_a" mnist-events)
        echo "  killed rank 1 (pid $victim on nodeB): the job ended $took s later with status $status"
        [ "$status" -ne 0 ] || fail "the job reported success after losing a rank"
        [ -z "$survivors" ] || fail "rank 0 on nodeA still runs: $survivors"
    else
        fail "the job still ran 20 s after a rank was killed"
    fi
fi

echo "== 4. Ctrl-C reaches both nodes"
if start_long_run; then
    mpirun_pid=$(cluster_pids "$cluster_ns_a" mpirun | head -1)
    kill -INT "$mpirun_pid"
    if took=$(seconds_until_end 20); then
        wait "$job" || true
        left="$(cluster_pids "$cluster_ns_a" mnist-events)$(cluster_pids "$cluster_ns_b" mnist-events)"
        echo "  SIGINT to mpirun (pid $mpirun_pid on nodeA): both ranks gone $took s later"
        [ -z "$left" ] || fail "ranks still run after Ctrl-C: $left"
    else
        fail "the job still ran 20 s after Ctrl-C"
    fi
fi

cluster_down
for ns in "$cluster_ns_a" "$cluster_ns_b"; do
    ! ip netns list | grep -q "^$ns" || fail "namespace $ns was not removed"
done
if [ "$failures" -ne 0 ]; then
    echo "cluster test: $failures check(s) failed"
    exit 1
fi
echo "cluster test: all checks passed; namespaces, link and files removed"
