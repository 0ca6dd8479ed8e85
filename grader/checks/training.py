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

from . import cases, trees
from .types import Check, Problem


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
    def judge(ctx, case) -> Problem | None:
        params = ctx.output(ctx.args(case))
        x_val, y_val = ctx.extra(case)
        y_val = np.asarray(y_val, np.float64)
        predicted = ctx.call(ctx.student_function(model), params, inputs(x_val),
                             doing=f"while your {model} evaluated the trained parameters")
        if not _is_numeric_array(predicted):
            return Problem(f"your {model} gives {trees.describe(predicted)}, not an array of predictions.",
                           "wrong_structure")
        if np.size(predicted) != y_val.size:
            return Problem(f"your {model} gives {np.size(predicted)} predictions for {y_val.size} validation points.",
                           "wrong_shape")
        predicted = np.asarray(predicted, np.float64).ravel()
        value = float(np.mean((predicted - y_val) ** 2))
        baseline = float(np.mean((y_val - y_val.mean()) ** 2))
        if not np.isfinite(value) or value >= baseline:
            return Problem(f"validation loss {value:.4g} after training; predicting the mean gives {baseline:.4g}, "
                           f"the target is {threshold:.3g}.", "training_diverged")
        if value > threshold:
            return Problem(f"validation loss {value:.4g} after training, the target is {threshold:.3g} "
                           f"(predicting the mean gives {baseline:.4g}).", "training_not_converged")
        return None
    return Check("validation_loss", describe, cases.each(judge), weight, requires)


def zero_rate_keeps_start(lr_argnum: int, steps_argnum: int, *, steps: int = 3, weight: float = 1.0,
                          requires: tuple[str, ...] = ("validation_loss",)) -> Check:
    """With a learning rate of 0, `steps` steps return the parameters that 0 steps return (the start):
    an update of the form params - lr * grads. An update whose arguments are swapped (grads - lr * params)
    or that ignores lr can still train to the target at the default rate; this tells them apart."""
    def judge(ctx, case) -> Problem | None:
        def run(lr, n_steps):
            return ctx.output(ctx.args(case.with_args({lr_argnum: lr, steps_argnum: n_steps})))
        start, moved = run(0.0, 0), run(0.0, steps)
        mismatch = trees.compare(moved, start)
        if mismatch is not None:
            return Problem(f"with lr=0, {steps} steps changed the parameters ({mismatch.message}): each step "
                           "should be params - lr * grads.", "wrong_update_rule")
        return None
    return Check("zero_rate_keeps_start", "with lr=0 the parameters stay where they start", cases.each(judge),
                 weight, requires, evidence=False)
