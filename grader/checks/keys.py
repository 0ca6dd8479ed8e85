"""PRNG key handling: typed keys, JAX's key-reuse checker, and behavioural checks.

The key-reuse checker only tracks typed keys (`jax.random.key`) and misses some
patterns (a key made inside the function, numpy's random state); the behavioural
checks catch those: the same key must give the same result, another key another
result, and draws meant to be independent must not be identical or correlated.
The keys a check chooses itself (another key, another result) are drawn from the
course's hidden seed when grading (`Context.key_seeds`), so that a function cannot
special-case them; the seeds written here are the ones a student's self-check uses.
Draws are judged after the result has the exercise's declared form (`Context.output`).
"""
from __future__ import annotations

import dataclasses
import functools
import random

import jax
import numpy as np

from . import cases, trees
from .types import Check, Key, Problem

# Statistical checks allow this many standard errors: a correct implementation
# fails one of them with probability about 2e-9 per statistic.
Z = 6.0


def _with_key(case, key_argnum: int, seed: int):
    return case.with_args({key_argnum: Key(seed)})


def _shortened(case, shorter):
    """The case with `shorter(args) -> args` applied to its stored arguments (None: unchanged)."""
    return case if shorter is None else dataclasses.replace(case, args=tuple(shorter(case.args)))


def under_key_reuse_checker(fn, *args):
    """fn(*args) with JAX's key-reuse checker on (a key used twice raises KeyReuseError)."""
    with jax.debug_key_reuse(True):
        return fn(*args)


def after_reseeding(seed: int, fn, *args):
    """fn(*args) after seeding numpy's and Python's global random state with `seed`."""
    np.random.seed(seed)
    random.seed(seed)
    return fn(*args)


def _outputs_equal(a, b) -> bool:
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(
        np.shape(x) == np.shape(y) and np.array_equal(trees.as_numpy(x), trees.as_numpy(y), equal_nan=True)
        for x, y in zip(la, lb))


def no_key_reuse(*, shorter=None, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Runs with typed keys under `jax.debug_key_reuse(True)`: a key used twice is an error.

    shorter(args) -> args: a cheaper call that uses keys the same way (fewer training steps).
    """
    def judge(ctx, case) -> None:
        ctx.call(functools.partial(under_key_reuse_checker, ctx.fn), *ctx.args(_shortened(case, shorter)))
    return Check("no_key_reuse", "uses each PRNG key once (JAX's key-reuse checker)", cases.each(judge), weight,
                 requires, evidence=False)


def same_key_same_result(*, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Two calls with the same key, with numpy's and Python's random state changed in between."""
    def judge(ctx, case) -> Problem | None:
        first = ctx.call(functools.partial(after_reseeding, 1, ctx.fn), *ctx.args(case))
        second = ctx.call(functools.partial(after_reseeding, 2, ctx.fn), *ctx.args(case))
        if not _outputs_equal(first, second):
            return Problem("two calls with the same key gave different results.", "global_random_state")
        return None
    return Check("same_key_same_result", "the same key gives the same result", cases.each(judge), weight, requires,
                 evidence=False)


def key_changes_result(key_argnum: int = 0, *, each_leaf: bool = False, weight: float = 1.0,
                       requires: tuple[str, ...] = ()) -> Check:
    """Calls with three different keys (`Context.key_seeds`) must give different results.

    each_leaf: every array of the result must change with the key (for results that are all draws,
    such as a pair of independent normals: one drawn with a fixed key is caught)."""
    def judge(ctx, case) -> Problem | None:
        outs = [ctx.call(ctx.fn, *ctx.args(_with_key(case, key_argnum, seed)))
                for seed in ctx.key_seeds("key_changes_result", (11, 12, 13))]
        if any(_outputs_equal(outs[i], outs[j]) for i in range(3) for j in range(i + 1, 3)):
            return Problem("different keys gave the same result.", "hardcoded_key")
        if each_leaf:
            leaves = [jax.tree_util.tree_leaves(out) for out in outs]
            for k in range(len(leaves[0])):
                if all(len(ls) > k for ls in leaves) and _outputs_equal(leaves[0][k], leaves[1][k]):
                    return Problem(f"different keys gave the same array {k} of the result: it does not depend "
                                   "on the key passed in.", "hardcoded_key")
        return None
    return Check("key_changes_result", "a different key gives a different result", cases.each(judge), weight,
                 requires, evidence=False)


def deterministic_in_key(key_argnum: int = 0, *, shorter=None, weight: float = 1.0,
                         requires: tuple[str, ...] = ()) -> Check:
    """Both key properties in three calls, for expensive functions (training): two calls with one key
    agree (numpy's and Python's random state reseeded in between), a third key differs (`Context.key_seeds`).

    shorter(args) -> args: a cheaper call that uses keys the same way (fewer training steps).
    """
    def judge(ctx, case) -> Problem | None:
        short = _shortened(case, shorter)
        outs = [ctx.call(functools.partial(after_reseeding, n, ctx.fn), *ctx.args(_with_key(short, key_argnum, seed)))
                for n, seed in enumerate(ctx.key_seeds("deterministic_in_key", (21, 21, 22)))]
        if not _outputs_equal(outs[0], outs[1]):
            return Problem("two calls with the same key gave different results.", "global_random_state")
        if _outputs_equal(outs[0], outs[2]):
            return Problem("different keys gave the same result.", "hardcoded_key")
        return None
    return Check("deterministic_in_key", "the same key gives the same result, another key another",
                 cases.each(judge), weight, requires, evidence=False)


def standard_normal(samples, *, name: str = "standard_normal", describe: str = "draws are standard normal",
                    hint: str = "wrong_distribution", constant_hint: str | None = None, min_size: int = 100,
                    weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """`samples(output, args)` -> arrays that should each be i.i.d. N(0, 1): a list, or a dict
    {what the array is, for messages: array}; `output` has the exercise's declared form (`Context.output`).

    Tests mean, standard deviation and excess kurtosis (which tells a uniform or a
    constant from a normal) within Z standard errors; the kurtosis only from 100
    numbers on (below, its tails are far from normal). An array of one repeated
    value is reported as not drawn, with `constant_hint` when given.
    min_size: fewer numbers than this in an array is itself a failure.
    """
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        arrays = samples(ctx.output(args), args)
        named = arrays.items() if isinstance(arrays, dict) else (
            ((f"array {i + 1}" if len(arrays) > 1 else ""), a) for i, a in enumerate(arrays))
        for what, arr in named:
            x = np.asarray(arr, dtype=np.float64).ravel()
            which = f"{what}: " if what else ""
            if trees.is_constant(x):
                return Problem(f"{which}all {x.size} values are {x[0]:.6g}: not drawn at random.",
                               constant_hint or hint)
            problem = _normal_problem(x, min_size)
            if problem:
                return Problem(f"{which}{problem}", hint)
        return None
    return Check(name, describe, cases.each(judge), weight, requires,
                 hints=(hint,) + ((constant_hint,) if constant_hint else ()))


def _normal_problem(x: np.ndarray, min_size: int = 100) -> str | None:
    n = x.size
    if n < min_size:
        return f"only {n} numbers, expected more"
    if not np.all(np.isfinite(x)):
        return "contains NaN or infinity"
    mean, std = float(np.mean(x)), float(np.std(x))
    if abs(mean) > Z / np.sqrt(n):
        return f"mean {mean:.3g}, expected 0 (within {Z / np.sqrt(n):.2g})"
    if abs(std - 1.0) > Z * np.sqrt(1.0 / (2 * n)):
        return f"standard deviation {std:.3g}, expected 1 (within {Z * np.sqrt(1.0 / (2 * n)):.2g})"
    kurtosis = float(np.mean(((x - mean) / std) ** 4) - 3.0)
    if n >= 100 and abs(kurtosis) > Z * np.sqrt(24.0 / n):
        return f"excess kurtosis {kurtosis:.3g}, expected 0 for a normal distribution"
    return None


def independent_draws(*, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The output, a pair of arrays of one shape (the exercise's declared form), must be neither identical
    nor correlated."""
    def judge(ctx, case) -> Problem | None:
        out = ctx.output(ctx.args(case))
        a = np.asarray(out[0], dtype=np.float64).ravel()
        b = np.asarray(out[1], dtype=np.float64).ravel()
        if np.array_equal(a, b):
            return Problem("the two arrays are identical.", "identical_draws")
        if a.size > 2 and np.std(a) > 0 and np.std(b) > 0:
            r = float(np.corrcoef(a, b)[0, 1])
            if abs(r) > Z / np.sqrt(a.size):
                return Problem(f"correlation {r:.3g} between the two arrays, expected about 0.", "correlated_draws")
        return None
    return Check("independent_draws", "the two draws are independent", cases.each(judge), weight, requires)


def _same_numbers(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-6)


def _dependent(a: np.ndarray, b: np.ndarray) -> bool:
    """a is b, or strongly correlated with it (a copy, its negative): not a draw of its own."""
    a, b = a.ravel(), b.ravel()
    if a.size < 3 or np.std(a) == 0 or np.std(b) == 0:
        return True
    return abs(float(np.corrcoef(a, b)[0, 1])) > Z / np.sqrt(a.size)


def no_draw_with_parent_key(draw=jax.random.normal, *, key_argnum: int = 0,
                            samples=lambda out, args: list(out), weight: float = 1.0,
                            requires: tuple[str, ...] = ()) -> Check:
    """For a function returning several draws: none is a draw with the key passed in while another is
    an independent draw, which must come from a key made from it (split, fold_in): the key then served
    twice. JAX's key-reuse checker misses `draw(key)` followed by `draw(fold_in(key, 1))`.

    The result is checked against the exercise's declared form first (`Context.output`), so the draws
    made here have the shapes the exercise asks for, never the result's own.
    A returned array equal to `draw(key, its shape)` is fine when all arrays are parts of one draw
    `draw(key, (n,) + shape)` (one draw, then unpacked: JAX's generator gives a longer draw with the
    same key the same leading values), or when the others depend on it (identical or correlated
    draws: `independent_draws` reports those).
    """
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        arrays = [np.asarray(a, dtype=np.float64) for a in samples(ctx.output(args), args)]
        if len(arrays) < 2 or any(a.shape != arrays[0].shape for a in arrays):
            return None
        shape = arrays[0].shape
        direct = np.asarray(draw(args[key_argnum], shape), dtype=np.float64)
        drawn = [i for i, a in enumerate(arrays) if _same_numbers(a, direct)]
        if not drawn:
            return None
        joint = np.asarray(draw(args[key_argnum], (len(arrays),) + shape), dtype=np.float64)
        if all(any(_same_numbers(a, part) for part in joint) for a in arrays):
            return None
        others = [j for j, a in enumerate(arrays) if j not in drawn and not _dependent(a, direct)]
        if others:
            return Problem(f"array {drawn[0] + 1} is a draw with the key itself and array {others[0] + 1} a draw "
                           f"with a key made from it: the key was used twice.", "reused_key")
        return None
    return Check("no_draw_with_parent_key", "does not draw with the key it also splits (or folds)",
                 cases.each(judge), weight, requires, evidence=False)
