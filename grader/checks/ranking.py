"""Scores judged by how they rank: the samples known to be special must come first.

An anomaly score is useful when the anomalies get the highest scores; its scale does not matter to a
ranking. `ranks_flagged_first(threshold)` calls the function (first checking its result, one score per
sample, against the exercise's declared form: `Context.output`), takes the n samples with the highest
scores, n the number of samples flagged in the case's `extra[flags_extra]` (a bool array, never passed
to the function), and asks that at least `threshold` of them be flagged: the precision at the true
number of anomalies. Choosing at random gives the share of flagged samples.
"""
from __future__ import annotations

import numpy as np

from . import cases, trees
from .types import Check, Problem


def precision_at_count(scores: np.ndarray, flags: np.ndarray) -> float:
    """Share of flagged samples among the flags.sum() highest scores (ties: the earlier sample first)."""
    n = int(np.sum(flags))
    top = np.argsort(-np.asarray(scores, np.float64), kind="stable")[:n]
    return float(np.mean(np.asarray(flags, bool)[top]))


def ranks_flagged_first(threshold: float, *, flags_extra: int = 0, name: str = "ranking",
                        describe: str | None = None, hint: str = "anomalies_missed", weight: float = 1.0,
                        requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) -> scores (N,) whose precision at the number of flagged samples is at least `threshold`."""
    def judge(ctx, case) -> Problem | None:
        scores = trees.as_numpy(ctx.output(ctx.args(case))).astype(np.float64)
        flags = np.asarray(case.extra[flags_extra], bool)
        if not np.all(np.isfinite(scores)):
            return Problem("some scores are NaN or infinite.", "not_finite")
        precision = precision_at_count(scores, flags)
        n = int(flags.sum())
        if precision < threshold:
            return Problem(f"of the {n} highest scores, {round(precision * n)} are the {n} anomalies "
                           f"(precision {precision:.2f}, at least {threshold:g} expected; choosing at random "
                           f"gives {n / flags.size:.2f}).", hint)
        return None
    return Check(name, describe or f"the anomalies get the highest scores (precision at least {threshold:g})",
                 cases.each(judge), weight, tuple(requires), hints=(hint,))
