#!/usr/bin/env bash
# The module cut holds: Events and Structured depend on no MPI module (products graph), and a
# package using them builds and links with OpenMPI invisible to pkg-config and without libmpi.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== module graph: Events and Structured reach no MPI module"
swift package describe --type json > .build-describe.json
python3 - .build-describe.json <<'PY'
import json, sys
targets = {t["name"]: t for t in json.load(open(sys.argv[1]))["targets"]}
def closure(name, seen=None):
    seen = set() if seen is None else seen
    for dep in targets.get(name, {}).get("target_dependencies", []):
        if dep not in seen:
            seen.add(dep)
            closure(dep, seen)
    return seen
bad = False
for product in ["TensorCore", "Datasets", "Metrics", "Distributed", "Events", "Structured", "OpenMPI"]:
    deps = sorted(closure(product))
    print(f"  {product}: {', '.join(deps) or '-'}")
    if product != "OpenMPI" and ({"OpenMPI", "CMPI"} & set(deps)):
        bad = True
sys.exit("error: a frontend depends on the MPI module" if bad else 0)
PY
rm -f .build-describe.json

echo "== a package using Events and Structured, built with MPI hidden from pkg-config"
hidden=$(mktemp -d)
for pc in openblas zlib; do
    file=$(pkg-config --variable=pcfiledir "$pc")/$pc.pc
    cp "$file" "$hidden/"
done
[ -f "$(pkg-config --variable=pcfiledir openblas)/blas-openblas.pc" ] && cp "$(pkg-config --variable=pcfiledir openblas)"/*openblas*.pc "$hidden/" 2>/dev/null || true
PKG_CONFIG_LIBDIR="$hidden" swift build -c release --package-path .ci/consumer 2>&1 | grep -E "error|warning: .*(mpi|MPI)|Compiling CMPI" && { echo "error: building the consumer failed or touched MPI"; exit 1; } || true
binary=.ci/consumer/.build/release/consumer
[ -x "$binary" ] || { echo "error: the consumer did not build"; exit 1; }
if ldd "$binary" | grep -i mpi; then echo "error: the consumer links MPI"; exit 1; fi
"$binary"
rm -rf "$hidden"
