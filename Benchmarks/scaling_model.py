"""The alpha-beta model of data-parallel scaling, fitted on the simulated cluster.

Reads the records of Benchmarks/cluster_scaling.sh and prints Markdown tables.

All-reduce over P ranks, as the faster of the two algorithms OpenMPI chooses between: a ring
for large messages, 2(P-1) steps each of a latency alpha plus n/P bytes at beta seconds per byte,
and recursive doubling for small ones, log2(P) exchanges of the whole message:
    T_ar(P, n) = min(2(P-1) alpha + 2(P-1)/P n beta,  log2(P) (2 alpha + n beta)).
At P = 2 both are 2 alpha + n beta, a straight line in n: a least-squares fit weighted by 1/T
(the sizes span seven orders of magnitude) gives alpha and beta.

A data-parallel step is the compute of one rank's batch plus the all-reduce of the gradients it
cannot hide behind backward. The reference models' gradients fit one 25 MB bucket, which can only
leave once backward has finished, so nothing is hidden:
    T_step(P) = T_compute + T_ar(P, gradient bytes),  efficiency = T_compute / T_step(P),
with each rank keeping the single-process batch (weak scaling, as DDP users scale).

Checked against 2 ranks on the cluster: T_compute is one core's step on a rank's batch (the two
ranks share this machine's two cores), and the prediction must be within 15% of the measured
step. The larger clusters assume the fitted alpha, and beta scaled from the 10 Gbit/s link to
the network's rate (the link's efficiency carries over).
"""
import json
import math
import sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
sweep = sorted((r["bytes"], r["seconds"]) for r in records if r["kind"] == "allreduce")

# Weighted least squares of T = a + b n with weights 1/T^2.
sw = sx = sy = sxx = sxy = 0.0
for n, t in sweep:
    w = 1 / t**2
    sw += w; sx += w * n; sy += w * t; sxx += w * n * n; sxy += w * n * t
b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx)
a = (sy - b * sx) / sw
alpha, beta = a / 2, b


def allreduce(ranks, nbytes, beta=beta):
    ring = 2 * (ranks - 1) * alpha + 2 * (ranks - 1) / ranks * nbytes * beta
    doubling = math.log2(ranks) * (2 * alpha + nbytes * beta)
    return min(ring, doubling)


print("### All-reduce on the link (2 ranks, one per node)\n")
print("| bytes | measured | alpha-beta fit | bus bandwidth |")
print("|---:|---:|---:|---:|")
for n, t in sweep:
    print(f"| {n:,} | {t * 1e6:,.1f} us | {allreduce(2, n) * 1e6:,.1f} us | {n / t / 1e9:.2f} GB/s |")
print(f"\nFit: alpha = {alpha * 1e6:.1f} us per step, beta = {beta * 1e9:.3f} ns/byte "
      f"({1 / beta / 1e9 * 8:.2f} Gbit/s effective).\n")

print("### Overlap of the all-reduce with backward (2 ranks)\n")
print("| model | gradient | buckets | step, overlap | step, after backward | all-reduce alone | hidden |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in (r for r in records if r["kind"] == "overlap"):
    print(f"| {r['model']} | {r['gradient_bytes'] / 1e6:.1f} MB | {r['buckets']} | {r['step_overlap_s'] * 1e3:.1f} ms "
          f"| {r['step_sequential_s'] * 1e3:.1f} ms | {r['communication_s'] * 1e3:.1f} ms | {r['hidden_share'] * 100:.0f}% |")

parameters = {"cnn": 21_840, "mlp": 235_146}


def per_step(kind, model):
    runs = [r for r in records if r["kind"] == kind and r.get("model") == model]
    return min(r["train_seconds"] / r["steps"] for r in runs) if runs else None


print("\n### The model against 2 ranks on the cluster (one MNIST epoch, global batch 64)\n")
print("| model | one core, batch 32 | predicted 2-rank step | measured 2-rank step | error |")
print("|---|---:|---:|---:|---:|")
errors = []
for model in ("cnn", "mlp"):
    compute, measured = per_step("one-core", model), per_step("cluster", model)
    if compute is None or measured is None:
        continue
    predicted = compute + allreduce(2, parameters[model] * 4)
    errors.append(abs(predicted / measured - 1))
    print(f"| {model} | {compute * 1e3:.2f} ms | {predicted * 1e3:.2f} ms | {measured * 1e3:.2f} ms | {(predicted / measured - 1) * 100:+.1f}% |")

gpt = next((r for r in records if r["kind"] == "one-process-gpt"), None)
workloads = [("MNIST cnn (batch 64 a rank)", per_step("one-process", "cnn"), parameters["cnn"] * 4)]
if gpt:
    workloads.append(("char-level GPT (batch 12 a rank)", gpt["ms_per_step"] / 1e3, gpt["params"] * 4))
print("\n### Predicted scaling efficiency (weak scaling, no overlap)\n")
print("| workload | compute/step | gradient | network | 8 ranks | 64 ranks | 512 ranks |")
print("|---|---:|---:|---|---:|---:|---:|")
for name, compute, nbytes in workloads:
    if compute is None:
        continue
    for gbit in (10, 100):
        scaled = beta * 10 / gbit
        cells = [f"{compute / (compute + allreduce(p, nbytes, scaled)) * 100:.0f}%" for p in (8, 64, 512)]
        print(f"| {name} | {compute * 1e3:.1f} ms | {nbytes / 1e6:.2f} MB | {gbit} Gbit/s | " + " | ".join(cells) + " |")
if errors:
    worst = max(errors)
    print(f"\n2-rank check: worst prediction error {worst * 100:.1f}% ({'within' if worst <= 0.15 else 'NOT within'} 15%).")
