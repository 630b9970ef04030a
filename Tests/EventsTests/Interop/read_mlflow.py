"""Reads runs back from an MLflow tracking server with MLflow's own client and prints them as
JSON: per run its name, status, params, metric histories (step, value), artifact paths (folders
walked) and the text of its CSV artifacts.
Used by EventsTests/MLflowInteropTests; run with the interop venv's Python:

    python read_mlflow.py TRACKING_URI EXPERIMENT
"""
import json
import sys

from mlflow.tracking import MlflowClient

client = MlflowClient(tracking_uri=sys.argv[1])
experiment = client.get_experiment_by_name(sys.argv[2])


def walk(run_id, path=None):
    found = []
    for artifact in client.list_artifacts(run_id, path):
        found += walk(run_id, artifact.path) if artifact.is_dir else [artifact.path]
    return found


runs = []
for run in client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"]):
    metrics = {}
    for key in run.data.metrics:
        metrics[key] = [[m.step, m.value] for m in sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: m.step)]
    runs.append({"name": run.info.run_name, "status": run.info.status, "params": run.data.params, "metrics": metrics,
                 "artifacts": sorted(walk(run.info.run_id)),
                 "tables": {path: open(client.download_artifacts(run.info.run_id, path)).read()
                            for path in walk(run.info.run_id) if path.endswith(".csv")}})
print(json.dumps(runs))
