"""Fits: the parameters a student's fit recovers, with tolerances a converged fit reaches.

A fit run by another (correct) implementation does not reproduce the reference
fit to float32 rounding: the optimiser's path differs in the last bits, and
after hundreds of steps those differences show. What every correct fit shares is
the minimum it converges to. `recovers_parameters` therefore compares each fitted
parameter with the reference fit within `atol + rtol * |reference|`, loose
enough for rounding along the path, tight enough to tell a robust fit from a
least-squares fit pulled by outliers.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import cases, trees
from .types import Check, Problem


def within(got, expected, rtol: float, atol: float) -> np.ndarray | None:
    """Boolean array, True where |got - expected| <= atol + rtol*|expected|; None when shapes differ."""
    g = np.asarray(got, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return None
    return np.isfinite(g) & (np.abs(g - e) <= atol + rtol * np.abs(e))


def recovers_parameters(probe: str = "output", *, names: Sequence[str] = (), rtol: float = 1e-2,
                        atol: float = 5e-2, name: str = "recovers_parameters",
                        describe: str = "recovers the parameters of the reference fit",
                        fallback_hint: str = "fit_not_converged", weight: float = 1.0,
                        requires: tuple[str, ...] = ()) -> Check:
    """Every fitted parameter (probe `probe`, an array) is within atol + rtol*|reference| of the reference fit.

    `names` name the parameters in messages (e.g. ("A", "t0", ...)). A result of another
    form than the reference's (shape, a float dtype of at least its precision: `trees.conforms`)
    fails before anything is computed on it. On failure the hint is the first known mistake
    whose fit agrees with the student's (same tolerance), else `not_finite` for NaN/inf, else
    `fallback_hint`.
    """
    def judge(ctx, case, ref) -> Problem | None:
        got = ctx.probe(probe, case)
        mismatch = trees.conforms(got, ref[probe], {"": "the fitted parameters"})
        if mismatch is not None:
            return Problem(mismatch.message, mismatch.hint)
        expected = np.asarray(ref[probe], dtype=np.float64)
        ok = within(got, expected, rtol, atol)
        if ok.all():
            return None
        i = int(np.argmin(ok.ravel()))
        label = names[i] if i < len(names) else f"parameter {i}"
        value = float(np.asarray(got, dtype=np.float64).ravel()[i])
        message = (f"{label} is {value:.4g}, the reference fit gives "
                   f"{expected.ravel()[i]:.4g} (tolerance {atol + rtol * abs(expected.ravel()[i]):.2g}).")
        return Problem(message, _diagnose(ctx, probe, case, got, rtol, atol) or
                       ("not_finite" if not np.all(np.isfinite(np.asarray(got, np.float64))) else fallback_hint))
    return Check(name, describe, cases.each(judge, references=True), weight, requires, probe, diagnosed_on=probe,
                 hints=(fallback_hint,))


def _diagnose(ctx, probe: str, case, got, rtol: float, atol: float) -> str | None:
    """Hint of the first known mistake whose fit (stored with the reference data) agrees with `got`."""
    if not np.all(np.isfinite(np.asarray(got, dtype=np.float64))):
        return None
    for hint, wrong in ctx.known_mistakes(case, probe):
        ok = within(got, wrong, rtol, atol)
        if ok is not None and ok.all():
            return hint
    return None
