"""Reference values for MetricsTests: scikit-learn where it defines the metric, torchmetrics where
scikit-learn has no equivalent (multilabel per-label accuracy, top-k accuracy per class).

Run with a Python that has numpy, scikit-learn, torch and torchmetrics:
    python make_metrics_reference.py > metrics_reference.json

Each case stores its inputs (`predictions`, `targets`) and expected values (`value.<name>`), all
as {shape, data}. Inputs are float32 and all computations start from those float32 values.
"""
import json
import numpy as np
import sklearn.metrics as M
import torch
import torchmetrics.functional.classification as TM

rng = np.random.default_rng(20261129)
cases = {}

def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1)]}

def case(name, predictions, targets, **values):
    cases[name] = {"predictions": arr(predictions), "targets": arr(targets)}
    for key, value in values.items():
        cases[name]["value." + key] = arr(value)

f32 = lambda x: np.asarray(x, dtype=np.float32)

# --- Multiclass: scores [N, C] and labels; class 4 never predicted, class 5 absent from targets.
C, N = 6, 200
scores = f32(rng.standard_normal((N, C)))
scores[:, 4] -= 10            # never the argmax
targets = rng.integers(0, 5, N)  # class 5 never a target
predicted = scores.argmax(1)
labels = list(range(C))
avg = {"micro": "micro", "macro": "macro", "weighted": "weighted", "none": None}
values = {}
values["accuracy.micro"] = M.accuracy_score(targets, predicted)
for mode, sk in avg.items():
    values[f"precision.{mode}"] = M.precision_score(targets, predicted, average=sk, zero_division=0, labels=labels if sk is None else None)
    values[f"recall.{mode}"] = M.recall_score(targets, predicted, average=sk, zero_division=0, labels=labels if sk is None else None)
    values[f"f1.{mode}"] = M.f1_score(targets, predicted, average=sk, zero_division=0, labels=labels if sk is None else None)
    values[f"f2.{mode}"] = M.fbeta_score(targets, predicted, beta=2, average=sk, zero_division=0, labels=labels if sk is None else None)
    values[f"specificity.{mode}"] = TM.multiclass_specificity(torch.tensor(scores), torch.tensor(targets), num_classes=C, average=mode).numpy()
    values[f"accuracy.{mode}"] = TM.multiclass_accuracy(torch.tensor(scores), torch.tensor(targets), num_classes=C, average=mode).numpy()
values["accuracy.top3"] = M.top_k_accuracy_score(targets, scores, k=3, labels=labels)
values["accuracy.top3.macro"] = TM.multiclass_accuracy(torch.tensor(scores), torch.tensor(targets), num_classes=C, average="macro", top_k=3).numpy()
values["confusion"] = M.confusion_matrix(targets, predicted, labels=labels)
values["confusion.targets"] = M.confusion_matrix(targets, predicted, labels=labels, normalize="true")
values["kappa"] = M.cohen_kappa_score(targets, predicted, labels=labels)
values["kappa.quadratic"] = M.cohen_kappa_score(targets, predicted, labels=labels, weights="quadratic")
values["mcc"] = M.matthews_corrcoef(targets, predicted)
# One-vs-rest ranking metrics need every class present: use classes 0..4 of a 5-class problem.
scores5 = f32(rng.standard_normal((N, 5)))
probs5 = np.exp(scores5) / np.exp(scores5).sum(1, keepdims=True)
probs5 = f32(probs5)
values_rank = {
    "roc_auc.macro": M.roc_auc_score(targets, probs5, multi_class="ovr", average="macro"),
    "roc_auc.weighted": M.roc_auc_score(targets, probs5, multi_class="ovr", average="weighted"),
    "roc_auc.none": [M.roc_auc_score(targets == c, probs5[:, c]) for c in range(5)],
    "average_precision.macro": M.average_precision_score(np.eye(5)[targets], probs5, average="macro"),
    "average_precision.weighted": M.average_precision_score(np.eye(5)[targets], probs5, average="weighted"),
    # Micro: every (example, class) pair as one binary problem.
    "roc_auc.micro": M.roc_auc_score(np.eye(5)[targets], probs5, average="micro"),
    "average_precision.micro": M.average_precision_score(np.eye(5)[targets], probs5, average="micro"),
}
case("multiclass", scores, targets, **values)
case("multiclass_ranking", probs5, targets, **values_rank)
case("multiclass_labels", predicted, targets, accuracy=M.accuracy_score(targets, predicted),
     f1_macro=M.f1_score(targets, predicted, average="macro"))

# --- Binary: probabilities with ties, and logits.
N = 300
probs = f32(np.round(rng.uniform(0, 1, N), 2))   # rounded: many tied scores
y = (rng.uniform(0, 1, N) < probs * 0.8 + 0.1).astype(int)
yp = (probs >= 0.5).astype(int)
case("binary", probs, y,
     accuracy=M.accuracy_score(y, yp), precision=M.precision_score(y, yp), recall=M.recall_score(y, yp),
     f1=M.f1_score(y, yp), f05=M.fbeta_score(y, yp, beta=0.5),
     specificity=M.recall_score(1 - y, 1 - yp), confusion=M.confusion_matrix(y, yp),
     kappa=M.cohen_kappa_score(y, yp), mcc=M.matthews_corrcoef(y, yp),
     roc_auc=M.roc_auc_score(y, probs), average_precision=M.average_precision_score(y, probs))
logits = f32(rng.standard_normal(N) * 3)
y2 = (rng.uniform(0, 1, N) < 1 / (1 + np.exp(-logits))).astype(int)
yp2 = (1 / (1 + np.exp(-logits.astype(np.float64))) >= 0.5).astype(int)
case("binary_logits", logits, y2, accuracy=M.accuracy_score(y2, yp2), f1=M.f1_score(y2, yp2),
     roc_auc=M.roc_auc_score(y2, logits))
# A batch with no positive predictions: precision's zero division.
case("binary_no_positive_predictions", f32(np.full(10, 0.1)), np.array([0, 1] * 5),
     precision=M.precision_score([0, 1] * 5, [0] * 10, zero_division=0),
     recall=M.recall_score([0, 1] * 5, [0] * 10), accuracy=0.5)

# --- Multilabel: probabilities [N, L].
N, L = 150, 4
mp = f32(rng.uniform(0, 1, (N, L)))
my = (rng.uniform(0, 1, (N, L)) < mp).astype(int)
myp = (mp >= 0.5).astype(int)
ml = {}
for mode, sk in avg.items():
    ml[f"precision.{mode}"] = M.precision_score(my, myp, average=sk, zero_division=0)
    ml[f"recall.{mode}"] = M.recall_score(my, myp, average=sk, zero_division=0)
    ml[f"f1.{mode}"] = M.f1_score(my, myp, average=sk, zero_division=0)
    ml[f"accuracy.{mode}"] = TM.multilabel_accuracy(torch.tensor(mp), torch.tensor(my), num_labels=L, average=mode).numpy()
ml["roc_auc.macro"] = M.roc_auc_score(my, mp, average="macro")
ml["roc_auc.weighted"] = M.roc_auc_score(my, mp, average="weighted")
ml["average_precision.macro"] = M.average_precision_score(my, mp, average="macro")
ml["roc_auc.micro"] = M.roc_auc_score(my, mp, average="micro")
ml["average_precision.micro"] = M.average_precision_score(my, mp, average="micro")
# Exact match (subset accuracy): every label of an example right.
ml["exact_match"] = M.accuracy_score(my, myp)
# Kappa and MCC over all (example, label) pairs as one binary problem (torchmetrics' multilabel rule).
ml["kappa"] = M.cohen_kappa_score(my.ravel(), myp.ravel())
ml["mcc"] = M.matthews_corrcoef(my.ravel(), myp.ravel())
case("multilabel", mp, my, **ml)

# --- Regression: single and multi-output.
yt = f32(rng.standard_normal(120) * 2 + 1)
yh = f32(yt + rng.standard_normal(120) * 0.7 + 0.2)
case("regression", yh, yt, mse=M.mean_squared_error(yt, yh), rmse=np.sqrt(M.mean_squared_error(yt, yh)),
     mae=M.mean_absolute_error(yt, yh), r2=M.r2_score(yt, yh), explained_variance=M.explained_variance_score(yt, yh))
Yt = f32(rng.standard_normal((80, 3)) * [1, 5, 0.2])
Yh = f32(Yt + rng.standard_normal((80, 3)) * 0.5)
case("regression_multioutput", Yh, Yt, mse=M.mean_squared_error(Yt, Yh),
     rmse=M.root_mean_squared_error(Yt, Yh), mae=M.mean_absolute_error(Yt, Yh),
     r2=M.r2_score(Yt, Yh), explained_variance=M.explained_variance_score(Yt, Yh))

print(json.dumps(cases, separators=(",", ":")))
