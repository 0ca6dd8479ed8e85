"""Results that are right up to a choice the contract leaves free: the sign of a principal component,
the numbers of the clusters.

An SVD (or an eigen-decomposition) gives each eigen-spectrum up to its sign, and k-means numbers its
clusters in the order of its initial centroids: two correct results may differ by these choices and
nothing else. Each check brings the student's result to the reference's choice, then compares it leaf
by leaf like `values.matches_reference` (form first, then values), and names the hint of a known
mistake whose stored output, brought to the reference's choice the same way, matches the result.

- `matches_up_to_sign(leaf)`: every row of the leaf at path `leaf` (components (k, L)) is multiplied by
  the sign of its dot product with the reference row.
- `matches_up_to_relabelling(centroids, labels)`: the centroids are reordered by the matching with the
  reference centroids of least total squared distance, and each label renumbered as the reference
  centroid nearest to its cluster's (so that a cluster of copies of one centroid, left empty, is told
  from its twin as argmin tells them: the lower number).

`tolerances` maps a leaf's path to (rtol, atol): entry by entry |got - want| <= rtol |want| + atol
max(1, max |want|), for results that correct methods compute with different float32 rounding (an SVD
against an eigen-decomposition of the covariance); other leaves at the reference's dtype's tolerance.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import cases, trees
from .types import Check, Problem
from .values import diagnose


def matches_up_to_sign(leaf: str, *, tolerances: dict[str, tuple[float, float]] | None = None,
                       name: str = "values", describe: str = "gives the expected result (each component up to "
                                                             "its sign)",
                       weight: float = 2.0, requires: tuple[str, ...] = ()) -> Check:
    """The output equals the reference, the rows of the leaf at path `leaf` each up to its sign."""
    return _matching(lambda got, want: _signs_aligned(got, want, leaf), tolerances or {}, name, describe,
                     weight, requires)


def matches_up_to_relabelling(centroids: str, labels: str, *,
                              tolerances: dict[str, tuple[float, float]] | None = None, name: str = "values",
                              describe: str = "gives the expected clusters (up to their numbering)",
                              weight: float = 2.0, requires: tuple[str, ...] = ()) -> Check:
    """The output equals the reference up to a renumbering of the clusters: the rows of the leaf at path
    `centroids` permuted, and the integer labels of the leaf at path `labels` renumbered with them."""
    return _matching(lambda got, want: _relabelled(got, want, centroids, labels), tolerances or {}, name,
                     describe, weight, requires)


def _matching(align, tolerances, name, describe, weight, requires) -> Check:
    def judge(ctx, case, ref) -> Problem | None:
        want = ref["output"]
        got = align(ctx.probe("output", case), want)
        leaf_names = ctx.exercise.names_for("output")
        mismatch = trees.conforms(got, want, leaf_names)
        if mismatch is None:
            mismatch = _compare(got, want, tolerances, leaf_names)
        if mismatch is None:
            return None
        for hint, wrong in ctx.known_mistakes(case, "output"):
            wrong = align(wrong, want)
            if trees.conforms(wrong, want) is None and trees.conforms(got, want) is None \
                    and _compare(got, wrong, tolerances, {}) is None:
                return Problem(mismatch.message, hint)
        return Problem(mismatch.message, diagnose(ctx, "output", case, got, want) or mismatch.hint)
    return Check(name, describe, cases.each(judge, references=True), weight, tuple(requires), "output",
                 diagnosed_on="output")


def _replace(tree, replacements: dict[str, np.ndarray]):
    """`tree` (a tuple or list of leaves, as results are) with the leaves at the given paths replaced."""
    paths = [path for path, _ in trees.leaves_with_paths(tree)]
    if not isinstance(tree, (tuple, list)) or len(paths) != len(tree):
        return tree
    return type(tree)(replacements.get(path, leaf) for path, leaf in zip(paths, tree))


def _signs_aligned(got, want, path: str):
    """`got` with each row of its leaf `path` multiplied by the sign that brings it closest to `want`'s row."""
    if trees.conforms(got, want) is not None:
        return got
    g, w = trees.as_numpy(trees.leaf(got, path)), np.asarray(trees.leaf(want, path))
    if g.ndim != 2 or not np.all(np.isfinite(g)):
        return got
    signs = np.where(np.sum(g.astype(np.float64) * w, axis=-1) < 0, -1, 1).astype(g.dtype)
    return _replace(got, {path: g * signs[:, None]})


def _relabelled(got, want, centroids: str, labels: str):
    """`got` with its clusters renumbered as the reference's: the centroids in the order of the matching with
    the reference centroids of least total squared distance (scipy's linear_sum_assignment), and each label
    j replaced by the reference cluster nearest to got's centroid j (the lowest number among identical
    centroids, as argmin assigns rows)."""
    if trees.conforms(got, want) is not None:
        return got
    g, w = trees.as_numpy(trees.leaf(got, centroids)), np.asarray(trees.leaf(want, centroids))
    if g.ndim != 2 or not np.all(np.isfinite(g)):
        return got
    distances = np.sum((g[:, None, :].astype(np.float64) - w[None, :, :]) ** 2, axis=-1)
    mine, theirs = linear_sum_assignment(distances)
    order = mine[np.argsort(theirs)]                     # got's cluster that becomes cluster i
    nearest = np.argmin(distances, axis=1)               # new number of the rows of each of got's clusters
    a = trees.as_numpy(trees.leaf(got, labels))
    if a.dtype.kind not in "iu" or np.any((a < 0) | (a >= len(g))):
        return _replace(got, {centroids: g[order]})
    return _replace(got, {centroids: g[order], labels: nearest[a.astype(np.int64)].astype(a.dtype)})


def _compare(got, want, tolerances: dict[str, tuple[float, float]], leaf_names: dict[str, str]):
    """The first mismatch of values of two pytrees of one form: the leaves named in `tolerances` at theirs,
    the others at their reference dtype's (`trees.compare`)."""
    for (path, g), (_, w) in zip(trees.leaves_with_paths(got), trees.leaves_with_paths(want)):
        name = leaf_names.get(path, f"leaf {path}" if path else "the result")
        if path not in tolerances:
            mismatch = trees.compare(g, w, {"": name})
            if mismatch is not None:
                return mismatch
            continue
        rtol, atol = tolerances[path]
        g64, w64 = trees.as_numpy(g).astype(np.float64), np.asarray(w, np.float64)
        if not np.all(np.isfinite(g64[np.isfinite(w64)])):
            return trees.Mismatch("not_finite", f"{name}: NaN or infinite entries where finite ones are expected")
        scale = max(1.0, float(np.max(np.abs(w64[np.isfinite(w64)]), initial=0.0)))
        error = np.abs(g64 - w64) - rtol * np.abs(w64) - atol * scale
        error = np.where(np.isnan(error), np.where(np.isnan(g64) & np.isnan(w64), 0.0, np.inf), error)
        if np.any(error > 0):
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
            return trees.Mismatch("wrong_value", f"{name} ({trees.describe(g)}): entry {where} is {g64[where]:.6g}, "
                                                 f"expected {w64[where]:.6g}")
    return None
