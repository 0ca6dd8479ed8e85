"""A linear basis fitted to data, judged by what it does: orthonormal rows, and data rebuilt from it.

PCA returns a mean and k orthonormal eigen-spectra (rows); the data rebuilt from the first j of them,
    mean + (X - mean) @ C[:j].T @ C[:j],
must fit X better as j grows, and when X is noisy, the data rebuilt from a few components must be
closer to the noise-free data than X itself is: that is PCA denoising. These checks call the fitting
function (first checking its result against the exercise's declared form, `Context.output`), rebuild
the data in the grading process (float64 numpy) and judge the numbers; they need no reference.

The fitting function is called as fn(*args) with args[data_argnum] the data X (N, L) and
args[rank_argnum] the number of components k; its result holds the mean (L,) at path `mean` and the
components (k, L) at path `components` (paths as jax.tree_util.keystr gives them: "[0]", "[1]").
The noise-free data of `denoises` is the case's `extra[truth_extra]`.
"""
from __future__ import annotations


import numpy as np

from . import cases, trees
from .types import Check, Problem


def _basis(ctx, args, mean: str, components: str) -> tuple[np.ndarray, np.ndarray]:
    """(mean (L,), components (k, L)) of the student's fit on `args`, float64, after the form check."""
    out = ctx.output(args)
    return (trees.as_numpy(trees.leaf(out, mean)).astype(np.float64),
            trees.as_numpy(trees.leaf(out, components)).astype(np.float64))


def rebuilt(x: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """x (N, L) projected on the rows of `components` (k, L) around `mean` (L,): mean + (x - mean) C^T C."""
    return mean + (x - mean) @ components.T @ components


def orthonormal_rows(components: str, *, atol: float = 1e-4, name: str = "orthonormal",
                     describe: str = "the components are orthonormal rows", hint: str = "components_not_orthonormal",
                     weight: float = 1.0, requires: tuple[str, ...] = ("values",)) -> Check:
    """The leaf at path `components` (k, L) of fn(*args) has C @ C.T within `atol` of the identity (k, k).
    A property (not evidence): assessed after "values" by default."""
    def judge(ctx, case) -> Problem | None:
        c = trees.as_numpy(trees.leaf(ctx.output(ctx.args(case)), components)).astype(np.float64)
        if not np.all(np.isfinite(c)):
            return Problem("the components hold NaN or infinite entries.", "not_finite")
        gram = c @ c.T
        worst = float(np.max(np.abs(gram - np.eye(len(c))), initial=0.0))
        if worst > atol:
            norms = np.array2string(np.sqrt(np.clip(np.diag(gram), 0, None)), precision=4)
            return Problem(f"C @ C.T differs from the identity by up to {worst:.3g} (allowed {atol:g}); the rows' "
                           f"lengths are {norms}.", hint)
        return None
    return Check(name, describe, cases.each(judge), weight, tuple(requires), evidence=False, hints=(hint,))


def error_falls_with_rank(*, mean: str = "[0]", components: str = "[1]", data_argnum: int = 0,
                          rank_argnum: int = 1, name: str = "error_falls_with_k",
                          describe: str = "the data rebuilt from more components fit it better",
                          hint: str = "reconstruction_not_improving", weight: float = 1.0,
                          requires: tuple[str, ...] = ()) -> Check:
    """For j = 1 .. k (k = args[rank_argnum]), fit with j components and rebuild the data: the mean squared
    difference between the data and the rebuilt data must fall strictly with j."""
    def judge(ctx, case) -> Problem | None:
        x = np.asarray(case.args[data_argnum], np.float64)
        errors = []
        for j in range(1, int(case.args[rank_argnum]) + 1):
            mu, c = _basis(ctx, ctx.args(case.with_args({rank_argnum: j})), mean, components)
            errors.append(float(np.mean((x - rebuilt(x, mu, c)) ** 2)))
        shown = ", ".join(f"{e:.3g}" for e in errors)
        if not np.all(np.isfinite(errors)):
            return Problem(f"the rebuilt data hold NaN or infinite values (mean squared errors {shown}).", "not_finite")
        if any(later >= earlier for earlier, later in zip(errors, errors[1:])):
            return Problem(f"mean squared error of the data rebuilt from 1, 2, ... components: {shown}; it should "
                           f"fall with every component added.", hint)
        return None
    return Check(name, describe, cases.each(judge), weight, tuple(requires), hints=(hint,))


def denoises(max_ratio: float, *, mean: str = "[0]", components: str = "[1]", data_argnum: int = 0,
             truth_extra: int = 0, name: str = "denoises",
             describe: str = "the noisy data rebuilt from the components are closer to the noise-free data",
             hint: str = "not_denoised", weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Fit the noisy data args[data_argnum] and rebuild them: their mean squared difference from the noise-free
    data (the case's extra[truth_extra]) must be at most `max_ratio` times the noisy data's own."""
    def judge(ctx, case) -> Problem | None:
        x = np.asarray(case.args[data_argnum], np.float64)
        truth = np.asarray(case.extra[truth_extra], np.float64)
        mu, c = _basis(ctx, ctx.args(case), mean, components)
        noisy = float(np.mean((x - truth) ** 2))
        error = float(np.mean((rebuilt(x, mu, c) - truth) ** 2))
        if not np.isfinite(error):
            return Problem("the rebuilt data hold NaN or infinite values.", "not_finite")
        if error > max_ratio * noisy:
            return Problem(f"mean squared difference from the noise-free data: {error:.3g} rebuilt from your "
                           f"components, {noisy:.3g} for the noisy data; rebuilt should be at most {max_ratio:g} "
                           f"times the noisy data's.", hint)
        return None
    return Check(name, describe, cases.each(judge), weight, tuple(requires), hints=(hint,))
