"""Gradients of the student's function, as probes compared with the reference's.

`grad_of_sum(argnum)` is a probe: `jax.grad` of `sum(fn(*args))` with respect to
argument `argnum`. Registered in an exercise's `probes`, the reference builder
stores it for the reference solution and `gradient_matches_reference` compares.
Test inputs must stay away from kinks (|x| = t for a threshold, 0 for ReLU),
where correct implementations may disagree.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import cases, trees
from .types import Check, Problem
from .values import matches_reference


def grad_of_sum(argnum: int = 0):
    """Probe: d/d(args[argnum]) of sum(fn(*args)); same shape as that argument."""
    return functools.partial(_grad_of_sum, argnum)


def _grad_of_sum(argnum: int, fn, *args):
    def scalar(a):
        new_args = list(args)
        new_args[argnum] = a
        return jnp.sum(fn(*new_args))
    return jax.grad(scalar)(args[argnum])


def gradient_matches_reference(probe: str = "gradient", *, describe: str = "its gradient (jax.grad) is right",
                               weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The named gradient probe agrees with the reference solution's."""
    return matches_reference(probe, name=probe, describe=describe, weight=weight, requires=requires,
                             value_hint="wrong_gradient")


def gradient_matches_finite_differences(argnum: int = 0, *, eps: float = 1e-3, rtol: float = 2e-2,
                                        describe: str = "jax.grad agrees with finite differences",
                                        weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Where there is no reference gradient: jax.grad of sum(fn) against central differences.

    Each entry of argument `argnum` (a float array) is moved by +-eps*max(1, |x|);
    agreement within rtol of the gradient's largest entry (float32 differences
    are accurate to about 1e-4 here). Catches a gradient cut by stop_gradient,
    rounding or a detour through numpy constants. The gradient must have the
    argument's shape and at least its precision before anything is computed on it.
    """
    probe = grad_of_sum(argnum)

    def judge(ctx, case) -> Problem | None:
        args = list(ctx.args(case))
        auto = ctx.call(probe, ctx.fn, *args, doing="under jax.grad", unrecognised="not_differentiable")
        mismatch = trees.conforms(auto, np.asarray(args[argnum]), {"": "jax.grad's gradient"})
        if mismatch is not None:
            return Problem(mismatch.message, mismatch.hint)
        numeric = _central_differences(ctx, args, argnum, eps)
        auto = np.asarray(auto, dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(numeric), initial=0.0)))
        error = float(np.max(np.abs(auto - numeric), initial=0.0))
        if error > rtol * scale:
            return Problem(f"jax.grad and finite differences differ by {error:.3g} (largest gradient entry "
                           f"{scale:.3g}).", "wrong_gradient")
        return None
    return Check("finite_differences", describe, cases.each(judge), weight, requires)


def _central_differences(ctx, args: list, argnum: int, eps: float) -> np.ndarray:
    """d sum(fn(*args)) / d args[argnum] by central differences, float64 of the shape of args[argnum]."""
    x = np.asarray(args[argnum], dtype=np.float32)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        step = eps * max(1.0, abs(float(x[index])))
        values = []
        for sign in (1.0, -1.0):
            moved = x.copy()
            moved[index] += sign * step
            args[argnum] = jnp.asarray(moved)
            out = ctx.call(ctx.fn, *args, unrecognised="not_differentiable")
            values.append(float(np.sum(np.asarray(out, dtype=np.float64))))
        grad[index] = (values[0] - values[1]) / (2 * step)
    return grad
