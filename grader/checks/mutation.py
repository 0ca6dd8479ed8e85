"""Inputs must not change: compare them before and after the call.

With `readonly_numpy=True`, arrays are passed as numpy arrays with
`writeable=False`, so `x[i] = v` fails loudly instead of silently changing the
caller's data; JAX arrays already refuse `x[i] = v` (a TypeError).
"""
from __future__ import annotations

import jax
import numpy as np

from . import cases, trees
from .types import Check, Problem


def _snapshot(tree):
    leaves, treedef = jax.tree_util.tree_flatten(tree, is_leaf=lambda x: x is None)
    return treedef, [np.array(trees.as_numpy(leaf), copy=True) if hasattr(leaf, "shape") else leaf for leaf in leaves]


def _same(before, after) -> bool:
    (tree_a, leaves_a), (tree_b, leaves_b) = before, after
    if tree_a != tree_b or len(leaves_a) != len(leaves_b):
        return False
    for a, b in zip(leaves_a, leaves_b):
        if isinstance(a, np.ndarray):
            if not (isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)):
                return False
        elif callable(a) or a is None:
            continue
        elif a != b:
            return False
    return True


def inputs_unchanged(*, readonly_numpy: bool = False, weight: float = 1.0,
                     requires: tuple[str, ...] = ()) -> Check:
    """Every argument is the same after the call as before it (structure and values)."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case, readonly_numpy=readonly_numpy)
        before = _snapshot(args)
        _, after = ctx.call_keeping_inputs(ctx.fn, *args)
        if not _same(before, _snapshot(after)):
            return Problem("an argument was different after the call.", "input_modified")
        return None
    kind = "read-only numpy inputs" if readonly_numpy else "its inputs"
    return Check("inputs_unchanged", f"leaves {kind} unchanged", cases.each(judge), weight, requires,
                 evidence=False)
