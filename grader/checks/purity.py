"""Purity: the function traces under `jax.jit` and gives the same result as eager.

Tracing runs under `jax.checking_leaks()`, so a traced value stored outside the
function is reported; numpy calls and Python `if` on traced values show up as
JAX's tracer errors and are explained by their hints.
"""
from __future__ import annotations

import functools

import jax

from . import cases, trees
from .types import Check, Problem


def jit_checking_leaks(fn, static_argnums: tuple[int, ...], *args):
    """jax.jit(fn, static_argnums)(*args), traced under jax.checking_leaks()."""
    with jax.checking_leaks():
        return jax.jit(fn, static_argnums=static_argnums)(*args)


def jit_matches_eager(*, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """`jax.jit(fn, static_argnums=exercise.static_argnums)` runs and agrees with `fn`."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        eager = ctx.call(ctx.fn, *args)
        jitted = ctx.call(functools.partial(jit_checking_leaks, ctx.fn, ctx.exercise.static_argnums), *args,
                          doing="under jax.jit", unrecognised="not_jittable")
        mismatch = trees.compare(jitted, eager, ctx.exercise.names_for("output"))
        if mismatch is not None:
            return Problem(f"under jax.jit, {mismatch.message}", "jit_mismatch")
        return None
    return Check("jit", "works under jax.jit with the same result", cases.each(judge), weight, requires,
                 evidence=False)
