"""Unit tests of `grader.checks.equivalences` on small made-up exercises.

A PCA whose components differ from the reference's only by their signs passes `matches_up_to_sign`, one
with a wrong component fails; k-means clusters numbered otherwise pass `matches_up_to_relabelling`
(twin centroids of an empty cluster included), clusters that differ fail; a known mistake is named by
its hint after the same alignment.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from grader.checks.equivalences import matches_up_to_relabelling, matches_up_to_sign
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Instructor, Part

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 6)).astype(np.float32) * np.array([5, 3, 2, 1, 0.5, 0.1], np.float32)


def grade(check, cases, fn, reference, mistakes=None):
    from grader.reference import reference_outputs
    part = Part(2, (check,))
    public = Exercise(name="f", signature="f(...)", visible=part, hidden=Part(2), public_cases=cases)
    exercise = public.complete(Instructor(hidden_checks=(check,), hidden_cases=lambda rng: cases))
    refs = [reference_outputs(exercise, "visible", reference, c) for c in cases]
    return run_part("unit", exercise, "visible", fn, cases, refs, mistakes=mistakes).results[0]


def pca(x, k):
    mean = jnp.mean(x, axis=0)
    _, s, vt = jnp.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:k], s[:k] ** 2 / (x.shape[0] - 1)


SIGN = matches_up_to_sign("[1]", tolerances={"[1]": (0.0, 1e-4)})
PCA_CASE = [Case((X, 3), "x")]


def test_components_of_either_sign_pass():
    def flipped(x, k):
        mean, c, v = pca(x, k)
        return mean, c * jnp.array([-1.0, 1.0, -1.0])[:, None], v
    assert grade(SIGN, PCA_CASE, flipped, pca).passed


def test_a_wrong_component_fails():
    def uncentred(x, k):
        _, s, vt = jnp.linalg.svd(x, full_matrices=False)
        return jnp.mean(x, axis=0), vt[:k], s[:k] ** 2 / (x.shape[0] - 1)
    result = grade(SIGN, PCA_CASE, uncentred, pca)
    assert not result.passed and result.hint == "wrong_value", result


def test_a_known_mistake_is_named_after_flipping_its_signs():
    def no_ddof(x, k):
        mean, c, v = pca(x, k)
        return mean, -c, v * (x.shape[0] - 1) / x.shape[0]
    stored = no_ddof(jnp.asarray(X), 3)
    mistakes = [{"output": [["explained_variance_formula", tuple(np.asarray(a) for a in stored)]]}]

    def student(x, k):                       # the same mistake, with the reference's signs
        mean, c, v = no_ddof(x, k)
        return mean, -c, v
    result = grade(SIGN, PCA_CASE, student, pca, mistakes)
    assert not result.passed and result.hint == "explained_variance_formula"


def test_a_tolerance_admits_rounding_but_not_errors():
    def nudged(x, k):
        mean, c, v = pca(x, k)
        return mean, c + 5e-5, v
    assert grade(SIGN, PCA_CASE, nudged, pca).passed
    assert not grade(matches_up_to_sign("[1]"), PCA_CASE, nudged, pca).passed      # float32's tolerance


# --- clusters -----------------------------------------------------------------------------------

RELABEL = matches_up_to_relabelling("[0]", "[1]")
POINTS = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [9.0, 0.0], [9.0, 0.1]], np.float32)


def clusters(order):
    """Three clusters of POINTS, numbered in `order` (a permutation of 0, 1, 2)."""
    centres = np.array([[0.05, 0.0], [5.05, 5.0], [9.0, 0.05]], np.float32)
    labels = np.array([0, 0, 1, 1, 2, 2])
    inverse = np.argsort(order)
    return lambda key, x: (jnp.asarray(centres[order]), jnp.asarray(inverse[labels].astype(np.int32)))


def test_clusters_numbered_otherwise_pass():
    case = [Case((0, POINTS), "x")]
    assert grade(RELABEL, case, clusters([2, 0, 1]), clusters([0, 1, 2])).passed


def test_other_clusters_fail():
    case = [Case((0, POINTS), "x")]
    wrong = lambda key, x: (jnp.asarray(POINTS[:3]), jnp.zeros(6, jnp.int32))   # noqa: E731
    result = grade(RELABEL, case, wrong, clusters([0, 1, 2]))
    assert not result.passed


def test_labels_inconsistent_with_centroids_fail():
    case = [Case((0, POINTS), "x")]
    def swapped_labels(key, x):
        c, a = clusters([0, 1, 2])(key, x)
        return c, jnp.asarray([1, 1, 0, 0, 2, 2], jnp.int32)
    assert not grade(RELABEL, case, swapped_labels, clusters([0, 1, 2])).passed


def test_an_empty_twin_cluster_is_told_apart_as_argmin_does():
    """Two identical centroids (one left empty): rows go to the lower number in either order."""
    twins = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0]], np.float32)
    labels = np.array([0, 0, 2, 2, 2, 2], np.int32)
    reference = lambda key, x: (jnp.asarray(twins), jnp.asarray(labels))            # noqa: E731
    other_order = lambda key, x: (jnp.asarray(twins[[2, 0, 1]]),                    # noqa: E731
                                  jnp.asarray(np.array([1, 1, 0, 0, 0, 0], np.int32)))
    assert grade(RELABEL, [Case((0, POINTS), "x")], other_order, reference).passed
