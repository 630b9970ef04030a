#!/usr/bin/env bash
# Runs the plain-PyTorch character-level GPT (../shared/reference/pytorch/chargpt_torch.py) and
# `char-lm` under our three frontends on the same configuration, one after another in one run,
# and prints ms per step, validation loss, peak memory and the ratio to PyTorch. Needs a venv
# with torch:
#
#   python3 -m venv ~/anchors-venv && ~/anchors-venv/bin/pip install torch
#   Benchmarks/compare_chargpt.sh ~/anchors-venv [steps]     # 2000 steps by default
set -euo pipefail
venv=${1:?usage: compare_chargpt.sh VENV [steps]}
steps=${2:-2000}
root="$(cd "$(dirname "$0")/.." && pwd)"
reference="$root/../shared/reference/pytorch/chargpt_torch.py"
corpus="${SHAKESPEARE_FILE:-$root/../shared/data/shakespeare/tragedies.txt}"
[ -f "$reference" ] || { echo "missing $reference" >&2; exit 1; }
cd "$root"
swift build -c release --product char-lm >/dev/null

results=$(mktemp)
"$venv/bin/python" "$reference" --data "$corpus" --steps "$steps" | tail -1 | sed 's/^{/{"frontend": "pytorch", /' >> "$results"
for frontend in core events structured; do
    .build/release/char-lm --frontend "$frontend" --data "$corpus" --steps "$steps" --sample 0 --json "$results" >/dev/null
done

python3 - "$results" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
base = next(r["ms_per_step"] for r in runs if r["frontend"] == "pytorch")
print(f"{'run':16} {'ms/step':>8} {'val_loss':>9} {'peak MB':>8}   vs PyTorch")
for r in runs:
    name = r["frontend"] if r["frontend"] == "pytorch" else "ours:" + r["frontend"]
    ratio = base / r["ms_per_step"]
    print(f"{name:16} {r['ms_per_step']:8.1f} {r['val_loss']:9.4f} {r['peak_rss_mb']:8.0f}   {ratio:5.2f}x")
PY
rm -f "$results"
