#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds in release mode (the numeric tests and
# the real-MNIST integration tests are 10-50x slower in debug builds), runs the MPI tests under
# `mpirun -np 2` and `-np 3` and on a simulated two-node cluster, then `swift test` (whose summary line comes last).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the TensorBoard screenshot check (Tests/UI) uses it headless.
# iproute2 (ip, tc): the two-node cluster test builds network namespaces with it.
Scripts/setup.sh chromium iproute2
echo "== interop venv (TensorBoard, onnx, onnxruntime, MLflow from PyPI, outside the checkout)"
SWIFTTRAIN_VENV="$(Scripts/setup-venv.sh)"
export SWIFTTRAIN_VENV
echo "  $SWIFTTRAIN_VENV"

echo "== build (release)"
swift build -c release --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Write|Linking)' || true

echo "== style (Scripts/check-style.sh)"
Scripts/check-style.sh

echo "== documentation (DocC catalogs of TensorCore, Events, Structured)"
Scripts/build-docs.sh

echo "== module cut (Events and Structured without OpenMPI)"
Scripts/check-modules.sh

root_flag=""
[ "$(id -u)" -eq 0 ] && root_flag="--allow-run-as-root"
# The 2-rank job writes a ZeRO checkpoint here; the 3-rank job resumes from it (resharding).
SWIFTTRAIN_RESHARD_DIR=$(mktemp -d)
export SWIFTTRAIN_RESHARD_DIR
for ranks in 2 3; do
    echo "== MPI tests (mpirun -np $ranks)"
    set +e
    timeout 900 mpirun $root_flag --oversubscribe -np "$ranks" \
        .build/release/SwiftTrainPackageTests.xctest --testing-library swift-testing --filter MPITests > .build-mpi.log 2>&1
    mpi_status=$?
    set -e
    grep -E '✘|Test run with|rank [0-9]+ of' .build-mpi.log | sed 's/\x1b\[[0-9;]*m//g' | sort | uniq -c || true
    rm -f .build-mpi.log
    if [ "$mpi_status" -ne 0 ]; then
        echo "MPI tests failed at $ranks ranks (exit $mpi_status)"
        exit "$mpi_status"
    fi
done

rm -rf "$SWIFTTRAIN_RESHARD_DIR"
unset SWIFTTRAIN_RESHARD_DIR

echo "== two-node cluster (Scripts/cluster-test.sh: network namespaces, mpirun over TCP)"
Scripts/cluster-test.sh

echo "== TensorBoard in a browser (Tests/UI: a real server, headless Chromium screenshots)"
Tests/UI/tensorboard-screenshot.sh "$SWIFTTRAIN_VENV" .build/ui

echo "== memory measurements (process-wide tensor bytes: each suite alone in its own process)"
# Together in one process the two suites run in parallel and count each other's tensors.
for suite in BatchSizeFinderTests TunerMemoryTests; do
    SWIFTTRAIN_MEMORY_TESTS=1 .build/release/SwiftTrainPackageTests.xctest --testing-library swift-testing \
        --filter "$suite" > .build-memory.log 2>&1 || { grep -E '✘' .build-memory.log | head -20; exit 1; }
    echo "  $suite: $(grep -E 'Test run with' .build-memory.log | tail -1)"
done
rm -f .build-memory.log

echo "== kernel-sensitive suites at each lower instruction set (SWIFTTRAIN_ISA)"
for isa in baseline avx2; do
    set +e
    SWIFTTRAIN_ISA=$isa .build/release/SwiftTrainPackageTests.xctest --testing-library swift-testing \
        --filter 'OptimizerTests|ReferenceTests|ParityTests|MNISTTrainingTests|AccumulationTests|TrustTests|SequenceOperationTests|SequenceGradientTests|RecurrentLayerTests|resumingFromACheckpointContinuesExactly|directFirstLayerConvolutionMatchesIm2col|blockConvolutionMatchesNaiveLoops|convolutionMatchesPyTorch|poolingMatchesPyTorch|wideMaxPoolingMatchesANaiveLoop|maxPoolingPropagatesNaN|ExpKernelTests|byteRowsGoThroughTheTableExactly|ElementwiseKernelTests' > .build-isa.log 2>&1
    isa_status=$?
    set -e
    echo "  $isa: $(grep -E 'Test run with' .build-isa.log | tail -1)"
    if [ "$isa_status" -ne 0 ]; then grep -E '✘' .build-isa.log | head -20; rm -f .build-isa.log; exit "$isa_status"; fi
done
rm -f .build-isa.log

echo "== swift test (release)"
# Show failures and build output, not one line per passing test; the summary comes last.
set +e
swift test -c release 2>&1 | tee .build-test.log | grep -vE '^(◇|↳|Test Suite|\s+Executed)|started\.$|passed after'
status=${PIPESTATUS[0]}
set -e
grep -E 'Test run with' .build-test.log | tail -1
rm -f .build-test.log
exit "$status"
