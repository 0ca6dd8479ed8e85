"""Training functions judged by what they achieve.

A training function `train(key, *data, *settings)` returns parameters; its
result depends on its own choices (key splitting, batch order), so it is not
compared with a reference value. `reaches_loss` evaluates the returned
parameters with the student's own model function (the one their training
uses, for example their `mlp_forward`) on held-out validation data, kept in the
case's `extra` (the function never sees it), so that no implementation of the
model ships with the checks. How the function uses its key is checked by
`keys.deterministic_in_key` and `keys.no_key_reuse`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..exercises.spec import Check, Outcome
from .errors import StudentCodeError


def reaches_loss(threshold: float, *, model: str, inputs: Callable = lambda x: x,
                 structure: Callable | None = None,
                 describe: str = "the trained model reaches the target validation loss",
                 weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) -> params whose validation MSE is at most `threshold`.

    model: the name of the student's function computing predictions, model(params, inputs(x_val));
      its output is flattened and compared with y_val, both (N,), by mean squared error; the
      baseline is the MSE of predicting the mean of y_val.
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
            x_val, y_val = ctx.extra(case)
            y_val = np.asarray(y_val, np.float64)
            try:
                predict = ctx.student_function(model)
                predicted = ctx.call(predict, params, inputs(x_val),
                                     doing=f"while your {model} evaluated the trained parameters")
            except StudentCodeError as err:
                return ctx.failed(case, err)
            predicted = np.asarray(predicted, np.float64).ravel()
            if predicted.shape != y_val.shape:
                return Outcome(False, f"On {ctx.label(case)}: your {model} gives {predicted.size} predictions "
                                      f"for {y_val.size} validation points.", "wrong_shape")
            value = float(np.mean((predicted - y_val) ** 2))
            baseline = float(np.mean((y_val - y_val.mean()) ** 2))
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
