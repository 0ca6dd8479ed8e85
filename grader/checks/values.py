"""Values against reference outputs, with diagnosis of known mistakes."""
from __future__ import annotations

import functools

import numpy as np

from . import cases, trees
from .types import Check, Problem


def matches_reference(probe: str = "output", *, name: str | None = None, describe: str | None = None,
                      weight: float = 1.0, requires: tuple[str, ...] = (),
                      value_hint: str = "wrong_value") -> Check:
    """Check that `probe` of the student's function equals the stored reference on every case.

    On the first mismatch, the message names the input and the leaf; the hint is
    the first known mistake whose output matches the student's, else the kind
    of mismatch (shape, dtype, value).
    """
    run = cases.each(functools.partial(_judge, probe, value_hint), references=True)
    return Check(name or ("values" if probe == "output" else probe),
                 describe or ("gives the expected result" if probe == "output" else f"{probe} is right"),
                 run, weight, requires, probe, diagnosed_on=probe, hints=(value_hint,))


def _judge(probe: str, value_hint: str, ctx, case, ref) -> Problem | None:
    got = ctx.probe(probe, case)
    mismatch = trees.compare(got, ref[probe], ctx.exercise.names_for(probe))
    if mismatch is None:
        return None
    fallback = value_hint if mismatch.hint == "wrong_value" else mismatch.hint
    return Problem(mismatch.message, diagnose(ctx, probe, case, got, ref[probe]) or fallback)


def diagnose(ctx, probe: str, case, got, expected) -> str | None:
    """Hint id of the known mistake that explains `got`, if any.

    The known mistakes' outputs on each case were stored with the reference data
    (grader.reference), so no mistake's code is needed here.
    """
    for hint, wrong in ctx.known_mistakes(case, probe):
        if trees.close(got, wrong):
            return hint
    return _generic(ctx, case, got, expected)


def _generic(ctx, case, got, expected) -> str | None:
    """Mistakes recognisable from the numbers alone: sign flipped, sum instead of mean, a factor 2.
    Only a result of the expected form (`trees.conforms`) is looked at."""
    if trees.conforms(got, expected) is not None:
        return None
    try:
        g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):     # a dict, or leaves of different shapes: not one array
        return None
    if not np.all(np.isfinite(g)) or not np.any(e):
        return None
    if np.allclose(g, -e, rtol=1e-4, atol=1e-6):
        return "wrong_sign"
    sizes = {a.shape[0] for a in _arrays(case.args) if getattr(a, "ndim", 0) >= 1}
    for n in sizes:
        if n > 1 and np.allclose(g, n * e, rtol=1e-4, atol=1e-6):
            return "sum_vs_mean"
    if any(np.allclose(g, f * e, rtol=1e-4, atol=1e-6) for f in (0.5, 2.0)):
        return "factor_of_two"
    return None


def _arrays(tree):
    if isinstance(tree, (tuple, list)):
        for t in tree:
            yield from _arrays(t)
    elif isinstance(tree, np.ndarray):
        yield tree
