"""Invariances: a known change of the inputs must change the result in a known way (or not at all).

Some contracts say how the result responds to a transformation of the inputs, whatever
the inputs are: a softmax loss is unchanged when every logit of a row moves by the same
constant; a balanced accuracy is unchanged when the class numbers are permuted, and a
confusion matrix permutes with them; ROC AUC depends only on the order of the scores.
`invariant(transform, expected=...)` calls the function on each case's arguments and on
`transform(args)`, and the second result must be `expected(first result, args)` (by default
the first result itself). Such a check needs no reference: it is a property, so by default
it is assessed only after the values check passed, and it is not evidence.

`transform` and `expected` run in the grading process on the case's stored arguments
(plain numpy arrays, numbers, `Key`, `Fn`): they must be deterministic (the hidden inputs
are drawn once), and must not change the arrays they are given.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import jax
import numpy as np

from . import cases, trees
from .types import Check, Problem


def invariant(transform: Callable[[tuple], tuple], *, expected: Callable | None = None, name: str,
              describe: str, hint: str, rtol: float | None = None, weight: float = 1.0,
              requires: tuple[str, ...] = ("values",)) -> Check:
    """fn(*transform(args)) equals expected(fn(*args), args) on every case.

    transform(args) -> args: a new tuple of stored arguments (numpy arrays, numbers), made
      deterministically from the case's stored arguments.
    expected(first, args) -> pytree: what the second result must be, given the first result (its leaves
      as numpy arrays) and the case's stored arguments; None: the first result itself.
    rtol: None compares at the tolerance of the expected leaves' dtype (`trees.compare`, float32's for
      float32 results); a number allows every entry an error of rtol * max(1, max |expected|) (for
      transformations that change float32 rounding, such as a large shift of the logits).
    hint: the hint of a failure of the property; a second result of another form (structure, shape,
      dtype) fails with the hint of that form (`trees.conforms`).
    """
    def judge(ctx, case) -> Problem | None:
        first = _as_numpy(ctx.call(ctx.fn, *ctx.args(case)))
        moved = dataclasses.replace(case, args=tuple(transform(_copied(case.args))))
        second = ctx.call(ctx.fn, *ctx.args(moved))
        want = first if expected is None else expected(first, _copied(case.args))
        leaf_names = ctx.exercise.names_for("output")
        mismatch = trees.conforms(second, want, leaf_names)
        if mismatch is not None:
            return Problem(f"{describe}: not so; {mismatch.message}.", mismatch.hint)
        difference = _difference(second, want, rtol, leaf_names)
        if difference is not None:
            return Problem(f"{describe}: not so; {difference}.", hint)
        return None
    return Check(name, describe, cases.each(judge), weight, tuple(requires), evidence=False, hints=(hint,))


def _as_numpy(tree):
    """The leaves of a result as numpy arrays (a result from the kernel already is; a local one is JAX's)."""
    return jax.tree_util.tree_map(lambda leaf: trees.as_numpy(leaf) if hasattr(leaf, "shape") else leaf, tree)


def _copied(args: tuple) -> tuple:
    """The stored arguments with every numpy array copied (a transform cannot change the stored case)."""
    return jax.tree_util.tree_map(lambda a: np.array(a) if isinstance(a, np.ndarray) else a, tuple(args))


def _difference(got, want, rtol: float | None, leaf_names: dict[str, str]) -> str | None:
    """A message for the first leaf where `got` differs from `want` (of the same form), else None."""
    if rtol is None:
        mismatch = trees.compare(got, want, leaf_names)
        return None if mismatch is None else mismatch.message
    for (path, g), (_, w) in zip(trees.leaves_with_paths(got), trees.leaves_with_paths(want)):
        name = leaf_names.get(path, f"leaf {path}" if path else "the result")
        if np.asarray(w).dtype.kind not in "fc":        # counts, indices: exactly
            mismatch = trees.compare(g, w, {"": name})
            if mismatch is not None:
                return mismatch.message
            continue
        g64, w64 = np.asarray(g, np.float64), np.asarray(w, np.float64)
        finite = np.isfinite(w64)
        error = np.where(finite, np.abs(g64 - w64), np.where(g64 == w64, 0.0, np.inf))
        error = np.where(np.isnan(error), np.inf, error)
        allowed = rtol * max(1.0, float(np.max(np.abs(w64[finite]), initial=0.0)))
        worst = float(np.max(error, initial=0.0))
        if worst > allowed:
            return (f"{name}: largest difference {worst:.3g}, allowed {allowed:.2g} "
                    f"(got {np.array2string(g64.ravel()[:4], precision=5)}, "
                    f"expected {np.array2string(w64.ravel()[:4], precision=5)})")
    return None
