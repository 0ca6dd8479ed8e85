"""Training functions judged by what they achieve.

A training function `train(key, *data, *settings)` returns parameters; its
result depends on its own choices (key splitting, batch order), so it is not
compared with a reference value. `reaches_loss` evaluates the returned
parameters with the course's own model and loss on held-out validation data,
kept in the case's `extra` (the function never sees it). How the function uses
its key is checked by `keys.deterministic_in_key` and `keys.no_key_reuse`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..exercises.spec import Check, Outcome
from .errors import StudentCodeError


def reaches_loss(loss: Callable, threshold: float, *, structure: Callable | None = None,
                 describe: str = "the trained model reaches the target validation loss",
                 weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) -> params with loss(params, *extra) <= threshold.

    loss(params, x_val, y_val) -> (loss value, loss of predicting the mean of y_val).
    structure(params, args) -> a message when the parameters have the wrong form, else None.
    """
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            args = ctx.args(case)
            try:
                params = ctx.call(ctx.fn, *args)
            except StudentCodeError as err:
                return ctx.failed(case, err)
            problem = structure(params, args) if structure else None
            if problem:
                return Outcome(False, f"On {ctx.label(case)}: {problem}", "wrong_structure")
            value, baseline = (float(v) for v in loss(params, *ctx.extra(case)))
            if not np.isfinite(value) or value >= baseline:
                return Outcome(False, f"On {ctx.label(case)}: validation loss {value:.4g} after training; predicting "
                                      f"the mean gives {baseline:.4g}, the target is {threshold:.3g}.",
                               "training_diverged")
            if value > threshold:
                return Outcome(False, f"On {ctx.label(case)}: validation loss {value:.4g} after training, "
                                      f"the target is {threshold:.3g} (predicting the mean gives {baseline:.4g}).",
                               "training_not_converged")
        return Outcome(True)
    return Check("validation_loss", describe, run, weight, requires)
