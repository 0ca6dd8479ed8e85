"""Trained classifiers judged by what they achieve on held-out data.

A training function returns parameters; its result depends on its own choices (keys, batch order),
so it is not compared with a reference. As in `training.reaches_loss`, the returned parameters
(first checked against the exercise's declared form, `Context.output`) are evaluated on validation
data kept in the case's `extra`, `(x_val, y_val)`, which the function never sees; the hidden cases
draw it from hidden keys.

Scores come from `model(params, inputs(x_val))`: `model` is the name of a student function (the
model their training uses, called in their kernel) or a callable the grader runs (a linear softmax
classifier, say). Scores of shape (N,) are binary logits, predicted class `scores > 0`; scores of
shape (N, K) give the class `argmax` over the last axis.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import cases, trees
from .types import Check, Problem

METRICS = ("accuracy", "balanced_accuracy")


def predicted_classes(scores) -> np.ndarray:
    """Classes from scores: (N,) binary logits -> scores > 0 as 0/1; (N, K) -> argmax over the classes."""
    scores = np.asarray(scores, np.float64)
    return (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=-1)


def recalls(predicted: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    """Recall of each class present in `labels`: the share of its samples predicted as that class."""
    return {int(k): float(np.mean(predicted[labels == k] == k)) for k in np.unique(labels)}


def metric_value(metric: str, predicted: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy, or balanced accuracy (the mean recall over the classes present in `labels`)."""
    if metric == "accuracy":
        return float(np.mean(predicted == labels))
    return float(np.mean(list(recalls(predicted, labels).values())))


def majority_baseline(metric: str, labels: np.ndarray) -> float:
    """The metric of always predicting the most common class of `labels`."""
    _, counts = np.unique(labels, return_counts=True)
    return float(counts.max() / counts.sum()) if metric == "accuracy" else 1.0 / counts.size


def _scores(ctx, case, args, model, inputs, label: str) -> tuple[np.ndarray, np.ndarray] | Problem:
    """(predicted classes, y_val) of the parameters fn(*args) on the case's validation data, or a Problem."""
    params = ctx.output(args)
    x_val, y_val = ctx.extra(case)
    y_val = np.asarray(y_val).astype(np.int64).ravel()
    if isinstance(model, str):
        scores = ctx.call(ctx.student_function(model), params, inputs(x_val),
                          doing=f"while your {model} evaluated the trained parameters")
        whose = f"your {model}"
    else:
        scores = model(params, inputs(x_val))
        whose = "the classifier"
    if not (hasattr(scores, "shape") and hasattr(scores, "dtype")) or trees.is_key_array(scores):
        return Problem(f"{whose} gives {trees.describe(scores)}, not an array of scores.", "wrong_structure")
    shape = tuple(scores.shape)
    if len(shape) not in (1, 2) or shape[0] != y_val.size:
        return Problem(f"{whose} gives scores of shape {shape} for {y_val.size} validation samples {label}, "
                       f"expected ({y_val.size},) or ({y_val.size}, n_classes).", "wrong_shape")
    scores = np.asarray(scores, np.float64)
    if not np.all(np.isfinite(scores)):
        return Problem(f"the trained parameters {label} give NaN or infinite scores on the validation data.",
                       "training_diverged")
    return predicted_classes(scores), y_val


def reaches_accuracy(threshold: float, *, model: str | Callable, metric: str = "accuracy",
                     inputs: Callable = lambda x: x, name: str | None = None, describe: str | None = None,
                     weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) -> params (of the exercise's declared form) whose `metric` on the validation data is at
    least `threshold`: hint training_diverged when no better than always predicting the majority class
    (or not finite), training_not_converged when better but below the threshold."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    words = metric.replace("_", " ")

    def judge(ctx, case) -> Problem | None:
        found = _scores(ctx, case, ctx.args(case), model, inputs, "after training")
        if isinstance(found, Problem):
            return found
        predicted, y_val = found
        value, baseline = metric_value(metric, predicted, y_val), majority_baseline(metric, y_val)
        if value <= baseline:
            return Problem(f"validation {words} {value:.3f} after training, no better than always predicting the "
                           f"most common class ({baseline:.3f}); the target is {threshold:.3g}.", "training_diverged")
        if value < threshold:
            return Problem(f"validation {words} {value:.3f} after training, the target is {threshold:.3g} "
                           f"(always predicting the most common class gives {baseline:.3f}).",
                           "training_not_converged")
        return None
    return Check(name or metric, describe or f"the trained classifier reaches a validation {words} of {threshold:g}",
                 cases.each(judge), weight, requires)


def weighting_helps_minority(*, weighted_argnum: int, model: str | Callable, inputs: Callable = lambda x: x,
                             margin: float = 0.1, name: str = "weighting_helps_minority",
                             describe: str = "class weights raise the recall of the rarest class",
                             weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Trains twice with the case's arguments (the same key), argument `weighted_argnum` False and then True;
    the recall of the rarest class of the validation labels must be at least `margin` higher with weights
    (hint weights_not_applied)."""
    def judge(ctx, case) -> Problem | None:
        found = {}
        for weighted in (False, True):
            label = f"(weighted={weighted})"
            result = _scores(ctx, case, ctx.args(case.with_args({weighted_argnum: weighted})), model, inputs,
                             label)
            if isinstance(result, Problem):
                return result
            found[weighted] = result
        y_val = found[False][1]
        classes, counts = np.unique(y_val, return_counts=True)
        rarest = int(classes[np.argmin(counts)])
        plain, weighted = (recalls(found[w][0], y_val)[rarest] for w in (False, True))
        if weighted < plain + margin:
            return Problem(f"recall of the rarest class ({rarest}, {int(counts.min())} of {y_val.size} validation "
                           f"samples): {plain:.3f} without weights, {weighted:.3f} with weights; weights should "
                           f"raise it by at least {margin:g}.", "weights_not_applied")
        return None
    return Check(name, describe, cases.each(judge), weight, requires)
