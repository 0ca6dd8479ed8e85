"""Training functions judged by what they achieve.

A training function `train(key, *data, *settings)` returns parameters; its
result depends on its own choices (key splitting, batch order), so it is not
compared with a reference value. `reaches_loss` evaluates the returned
parameters with the student's own model function (the one their training
uses, for example their `mlp_forward`) on held-out validation data, kept in the
case's `extra` (the function never sees it), so that no implementation of the
model ships with the checks; the parameters are first checked against the
exercise's declared form (`Context.output`). How the function uses its key is
checked by `keys.deterministic_in_key` and `keys.no_key_reuse`.
"""
from __future__ import annotations

from typing import Callable

import jax.numpy as jnp
import numpy as np

from ..exercises.spec import Check, Outcome
from . import trees
from .errors import StudentCodeError


def _is_numeric_array(value) -> bool:
    """An array (or numpy scalar) of numbers: not a pytree, not PRNG keys."""
    return hasattr(value, "shape") and hasattr(value, "dtype") and bool(jnp.issubdtype(value.dtype, jnp.number))


def reaches_loss(threshold: float, *, model: str, inputs: Callable = lambda x: x,
                 describe: str = "the trained model reaches the target validation loss",
                 weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) -> params (of the exercise's declared form) whose validation MSE is at most `threshold`.

    model: the name of the student's function computing predictions, model(params, inputs(x_val));
      its output (N numbers, any shape) is flattened and compared with y_val, (N,), by mean squared
      error; the baseline is the MSE of predicting the mean of y_val.
    """
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            args = ctx.args(case)
            try:
                params = ctx.output(args)
            except StudentCodeError as err:
                return ctx.failed(case, err)
            x_val, y_val = ctx.extra(case)
            y_val = np.asarray(y_val, np.float64)
            try:
                predict = ctx.student_function(model)
                predicted = ctx.call(predict, params, inputs(x_val),
                                     doing=f"while your {model} evaluated the trained parameters")
            except StudentCodeError as err:
                return ctx.failed(case, err)
            if not _is_numeric_array(predicted):
                return Outcome(False, f"On {ctx.label(case)}: your {model} gives {trees.describe(predicted)}, "
                                      f"not an array of predictions.", "wrong_structure")
            if np.size(predicted) != y_val.size:
                return Outcome(False, f"On {ctx.label(case)}: your {model} gives {np.size(predicted)} predictions "
                                      f"for {y_val.size} validation points.", "wrong_shape")
            predicted = np.asarray(predicted, np.float64).ravel()
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
