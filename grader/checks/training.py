"""Training functions judged by what they achieve, and by how they use their key.

A training function `train(key, *data, *settings)` returns parameters; its
result depends on its own choices (key splitting, batch order), so it is not
compared with a reference value. Instead:

- `reaches_loss`: the returned parameters, evaluated by the course's own model
  and loss on held-out validation data stored after the call arguments, reach
  a validation loss below a threshold (and better than predicting the mean);
- `deterministic_in_key`: the same key gives the same parameters, another key
  different ones, in three calls (cheaper than running `keys.same_key_same_result`
  and `keys.key_changes_result`, which train five times).
"""
from __future__ import annotations

import dataclasses
import random
from typing import Callable

import numpy as np

from ..exercises.spec import Check, Key, Outcome
from .errors import StudentCodeError
from .keys import _outputs_equal


def reaches_loss(loss: Callable, threshold: float, *, n_call_args: int, structure: Callable | None = None,
                 describe: str = "the trained model reaches the target validation loss",
                 weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args[:n_call_args]) -> params with loss(params, *args[n_call_args:]) <= threshold.

    loss(params, x_val, y_val) -> (loss value, loss of predicting the mean of y_val).
    structure(params, args) -> a message when the parameters have the wrong form, else None.
    """
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            args = ctx.args(case)
            try:
                params = ctx.call(ctx.fn, *args[:n_call_args])
            except StudentCodeError as err:
                return Outcome(False, f"On {ctx.label(case)}: {err.message}", err.hint)
            problem = structure(params, args) if structure else None
            if problem:
                return Outcome(False, f"On {ctx.label(case)}: {problem}", "wrong_structure")
            value, baseline = (float(v) for v in loss(params, *args[n_call_args:]))
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


def deterministic_in_key(*, key_argnum: int = 0, n_call_args: int | None = None, weight: float = 1.0,
                         requires: tuple[str, ...] = ()) -> Check:
    """Two calls with one key agree (numpy's and Python's random state reseeded between); a third key differs."""
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            outs = []
            for n, seed in enumerate((21, 21, 22)):
                args = list(case.args)
                args[key_argnum] = Key(seed)
                args = ctx.args(dataclasses.replace(case, args=tuple(args)))
                np.random.seed(n)
                random.seed(n)
                try:
                    outs.append(ctx.call(ctx.fn, *args[:n_call_args]))
                except StudentCodeError as err:
                    return Outcome(False, f"On {ctx.label(case)}: {err.message}", err.hint)
            if not _outputs_equal(outs[0], outs[1]):
                return Outcome(False, f"On {ctx.label(case)}: two calls with the same key gave different results.",
                               "global_random_state")
            if _outputs_equal(outs[0], outs[2]):
                return Outcome(False, f"On {ctx.label(case)}: different keys gave the same result.",
                               "hardcoded_key")
        return Outcome(True)
    return Check("deterministic_in_key", "the same key gives the same result, another key another",
                 run, weight, requires)


def no_key_reuse(*, n_call_args: int | None = None, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Like `keys.no_key_reuse`, calling fn with the first `n_call_args` arguments of each case."""
    import jax

    def run(ctx) -> Outcome:
        for case in ctx.cases:
            try:
                with jax.debug_key_reuse(True):
                    ctx.call(ctx.fn, *ctx.args(case)[:n_call_args])
            except StudentCodeError as err:
                return Outcome(False, f"On {ctx.label(case)}: {err.message}", err.hint)
        return Outcome(True)
    return Check("no_key_reuse", "uses each PRNG key once (JAX's key-reuse checker)", run, weight, requires)
