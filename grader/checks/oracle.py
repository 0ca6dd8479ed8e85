"""Values against an independent computation (an oracle), with a tolerance chosen for the problem.

`matches_reference` compares with the stored output of the reference solution
at float32 precision. Some answers are computed by routes whose float32
rounding differs more than that (the normal equations against a QR-based
`lstsq`, `inv` against `solve`); here the expected value comes from an oracle
(one of the instructor's `Instructor.oracles`) run in float64 on the stored inputs
when the reference data is built, and values agree within `rtol` of the largest
expected entry. The oracle's code stays with the instructor; its outputs are data.
Shape, structure and finiteness are compared exactly as in `trees.compare`; known
mistakes are diagnosed as in `values`.
"""
from __future__ import annotations

import numpy as np

from . import cases, trees
from .types import Check, Problem
from .values import diagnose


def matches_oracle(oracle: str, *, rtol: float, name: str = "values",
                   describe: str = "gives the expected result", weight: float = 1.0,
                   requires: tuple[str, ...] = (), value_hint: str = "wrong_value") -> Check:
    """The function's output agrees with the stored outputs of the oracle named `oracle` on every case.

    The oracle (`Instructor.oracles[oracle]`) receives the case's stored arguments
    and returns a pytree of arrays, stored as float32. A leaf passes when every
    entry is within `rtol * max(1, max |expected|)` of the expected entry.
    """
    def judge(ctx, case, ref) -> Problem | None:
        got = ctx.call(ctx.fn, *ctx.args(case))
        expected = ref[oracle]
        problem = _difference(got, expected, rtol, ctx.exercise.names_for("output"))
        if problem is None:
            return None
        hint, message = problem
        fallback = value_hint if hint == "wrong_value" else hint
        return Problem(message, diagnose(ctx, "output", case, got, expected) or fallback)
    return Check(name, describe, cases.each(judge, references=True), weight, requires, oracle=oracle,
                 diagnosed_on="output", hints=(value_hint,))


def float64_args(args: tuple) -> tuple:
    """A case's stored arguments with float arrays as float64 (for oracles that compute in float64)."""
    return _float64(args)


def _float64(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float64)
    if isinstance(value, (tuple, list)):
        return type(value)(_float64(v) for v in value)
    return value


def _difference(got, expected, rtol: float, leaf_names) -> tuple[str, str] | None:
    """(hint, message) for the first difference beyond the tolerance, None when they agree."""
    mismatch = trees.compare(got, expected, leaf_names)
    if mismatch is None:
        return None
    if mismatch.hint != "wrong_value":
        return mismatch.hint, mismatch.message
    for (path, g), (_, e) in zip(trees.leaves_with_paths(got), trees.leaves_with_paths(expected)):
        g64, e64 = np.asarray(g, np.float64), np.asarray(e, np.float64)
        if g64.dtype.kind not in "fc" and not np.array_equal(g64, e64):
            return mismatch.hint, mismatch.message
        allowed = rtol * max(1.0, float(np.max(np.abs(e64), initial=0.0)))
        error = float(np.max(np.abs(g64 - e64), initial=0.0))
        if error > allowed:
            name = leaf_names.get(path, f"leaf {path}" if path else "the result")
            return "wrong_value", (f"{name}: largest error {error:.3g}, allowed {allowed:.2g} "
                                   f"(got {np.array2string(g64.ravel()[:4], precision=5)}, "
                                   f"expected {np.array2string(e64.ravel()[:4], precision=5)})")
    return None
