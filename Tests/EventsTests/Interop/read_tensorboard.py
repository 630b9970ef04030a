"""Reads a TensorBoard log folder with TensorBoard's own EventAccumulator and prints what it
found as one JSON object: scalars, histograms, text and the HParams plugin's records.
Used by EventsTests/TensorBoardInteropTests; run with the interop venv's Python:

    python read_tensorboard.py LOGDIR
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util

acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
acc.Reload()
tags = acc.Tags()
out = {"scalars": {}, "histograms": {}, "text": {}, "hparams": {}}
for tag in tags["scalars"]:
    out["scalars"][tag] = [[e.step, e.value] for e in acc.Scalars(tag)]
for tag in tags["histograms"]:
    out["histograms"][tag] = [[e.step, e.histogram_value.min, e.histogram_value.max, e.histogram_value.num,
                               e.histogram_value.sum, sum(e.histogram_value.bucket)] for e in acc.Histograms(tag)]
for tag in tags["tensors"]:
    plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
    if plugin == "text":
        out["text"][tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode()] for e in acc.Tensors(tag)]
    elif plugin == "hparams":
        data = plugin_data_pb2.HParamsPluginData.FromString(acc.SummaryMetadata(tag).plugin_data.content)
        kind = data.WhichOneof("data")
        if kind == "experiment":
            out["hparams"]["experiment"] = {"hparams": sorted(h.name for h in data.experiment.hparam_infos),
                                            "metrics": sorted(m.name.tag for m in data.experiment.metric_infos)}
        elif kind == "session_start_info":
            values = {}
            for name, value in data.session_start_info.hparams.items():
                values[name] = value.number_value if value.WhichOneof("kind") == "number_value" else value.string_value
            out["hparams"]["session_start"] = values
        elif kind == "session_end_info":
            out["hparams"]["session_end_status"] = data.session_end_info.status
print(json.dumps(out))
