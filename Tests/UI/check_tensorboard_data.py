"""Asks a running TensorBoard server, through the endpoints its dashboards read, what it shows
for the run: the scalar tags, the weight and gradient histograms, and the HParams table (the
run's hyperparameters and its final metrics, with a successful status).

Usage: check_tensorboard_data.py URL
"""
import json
import sys
import urllib.request


def get(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main():
    url = sys.argv[1]
    problems = []
    scalars = get(f"{url}/data/plugin/scalars/tags")
    [run] = scalars.keys()
    for tag in ("train_loss", "val_loss", "val_accuracy"):
        if tag not in scalars[run]:
            problems.append(f"scalar {tag} missing")
    histograms = get(f"{url}/data/plugin/histograms/tags")[run]
    weights = [tag for tag in histograms if tag.startswith("weights/")]
    gradients = [tag for tag in histograms if tag.startswith("gradients/")]
    if not weights or not gradients:
        problems.append(f"histograms missing: {sorted(histograms)}")
    experiment = get(f"{url}/data/plugin/hparams/experiment", {"experimentName": ""})
    hparams = {info["name"] for info in experiment.get("hparamInfos", [])}
    metrics = {info["name"]["tag"] for info in experiment.get("metricInfos", [])}
    groups = get(f"{url}/data/plugin/hparams/session_groups", {
        "experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": [], "startIndex": 0, "sliceSize": 10})["sessionGroups"]
    values = {value["name"]["tag"]: value["value"] for value in groups[0]["metricValues"]} if groups else {}
    statuses = [session["status"] for group in groups for session in group["sessions"]]
    if not {"model", "batch_size", "optimizer"} <= hparams:
        problems.append(f"HParams table lacks hyperparameters: {sorted(hparams)}")
    if not {"train_loss", "val_loss", "val_accuracy"} <= metrics or not 0 < values.get("val_accuracy", 0) <= 1:
        problems.append(f"HParams table lacks final metrics: {sorted(metrics)} {values}")
    if statuses != ["STATUS_SUCCESS"]:
        problems.append(f"HParams session status {statuses}")
    print(f"  TensorBoard serves {run}: {len(scalars[run])} scalar tags, {len(weights)} weight and {len(gradients)} gradient "
          f"histograms, HParams {sorted(hparams)} with val_accuracy {values.get('val_accuracy'):.4f}")
    if problems:
        sys.exit("error: " + "; ".join(problems))


if __name__ == "__main__":
    main()
