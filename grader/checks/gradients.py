"""Gradients of the student's function, as probes compared with the reference's.

`grad_of_sum(argnum)` is a probe: `jax.grad` of `sum(fn(*args))` with respect to
argument `argnum`. Registered in an exercise's `probes`, the reference builder
stores it for the reference solution and `gradient_matches_reference` compares.
Test inputs must stay away from kinks (|x| = t for a threshold, 0 for ReLU),
where correct implementations may disagree.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from ..exercises.spec import Check
from .values import matches_reference


def grad_of_sum(argnum: int = 0):
    """Probe: d/d(args[argnum]) of sum(fn(*args)); same shape as that argument."""
    def probe(fn, *args):
        def scalar(a):
            new_args = list(args)
            new_args[argnum] = a
            return jnp.sum(fn(*new_args))
        return jax.grad(scalar)(args[argnum])
    return probe


def gradient_matches_reference(probe: str = "gradient", *, describe: str = "its gradient (jax.grad) is right",
                               weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The named gradient probe agrees with the reference solution's."""
    return matches_reference(probe, name=probe, describe=describe, weight=weight, requires=requires,
                             value_hint="wrong_gradient")
