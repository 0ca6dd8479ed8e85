"""s2_imbalanced_classes: what its description promises, checked against numbers computed by hand.

The corpus itself (each mistake caught with its hint, each alternative kept at full marks) is graded by
tests/test_same_verdict.py and `grader audit`; here: the points and the notebook agree, the stored
references are the documented values, the training thresholds keep their safety margins on the public
case, the frequency check of the split can catch a split that ignores its key on every case, the hidden
validation galaxies are not the public ones, and the workshop's own bugs are among the mistakes.
"""
from __future__ import annotations

import math

import jax
import nbformat
import numpy as np
import pytest

from grader import exercises, reference
from grader.checks import classifiers, splits
from grader.exercises import s2_imbalanced_classes as spec

ASSIGNMENT = "s2_imbalanced_classes"
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_points_and_the_notebooks_cells():
    assignment = exercises.load(ASSIGNMENT, instructor=True)
    assert assignment.points == 24
    assert all(1 <= e.visible.points <= 2 and 1 <= e.hidden.points <= 3 for e in assignment.exercises)
    nb = nbformat.read(str(ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    solution_cells = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                      if c.metadata.get("nbgrader", {}).get("solution")]
    assert solution_cells == [e.name for e in assignment.exercises]      # the description in notebook order


def _references(name: str) -> list:
    cases, refs, _ = reference.cases_and_references(ASSIGNMENT, name, "visible")
    return [np.asarray(r["output"]) for r in refs]


def test_the_public_references_are_the_values_computed_by_hand():
    (weights,) = _references("class_weights")            # 12 galaxies: 6, 3, 2, 1 of the 4 classes
    np.testing.assert_allclose(weights, [12 / 24, 12 / 12, 12 / 8, 12 / 4])
    first, absent = _references("balanced_accuracy")
    np.testing.assert_allclose(first, (6 / 6 + 2 / 3 + 1 / 2 + 1 / 1) / 4, rtol=1e-6)
    np.testing.assert_allclose(absent, (2 / 3 + 1 / 3 + 1 / 2) / 3, rtol=1e-6)    # class 3 absent: 3 recalls
    (entropy,) = _references("predictive_entropy")
    h = -(0.7 * math.log(0.7) + 3 * 0.1 * math.log(0.1))
    np.testing.assert_allclose(entropy, [0.0, math.log(4), h, math.log(2), 0.0], rtol=1e-6, atol=1e-7)
    (one_hot,) = _references("one_hot")
    assert one_hot.dtype == np.float32 and one_hot.shape == (6, 4) and one_hot[1, 2] == 1 and one_hot.sum() == 6
    (loss,) = _references("softmax_cross_entropy")
    logits, labels = (np.asarray(a, np.float64) for a in spec.SOFTMAX_CROSS_ENTROPY.visible_cases[0].args)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    picked = -log_p[np.arange(5), labels.astype(int)]
    np.testing.assert_allclose(loss, picked.mean(), rtol=1e-6)
    (weighted,) = _references("weighted_cross_entropy")
    w = np.array([0.5, 1.0, 2.0, 4.0])[labels.astype(int)]
    np.testing.assert_allclose(weighted, np.sum(w * picked) / np.sum(w), rtol=1e-6)


def test_the_training_thresholds_keep_their_margins_on_the_public_case(solution_namespace):
    """The reference solution clears the balanced-accuracy target and the recall gain with room to spare
    (the margins measured over 20 catalogues are in grader/exercises/s2_imbalanced_classes.py)."""
    train = solution_namespace(ASSIGNMENT)["train_classifier"]
    (case,) = spec.TRAIN_CLASSIFIER.visible_cases
    x_val, y_val = case.extra
    found = {}
    for weighted in (False, True):
        key, x, y, n_classes, _, n_steps, lr = case.args
        params = train(jax.random.key(key.seed), x, y, n_classes, weighted, n_steps, lr)
        found[weighted] = classifiers.predicted_classes(spec.linear_logits(params, x_val))
    balanced = classifiers.metric_value("balanced_accuracy", found[True], y_val)
    gain = classifiers.recalls(found[True], y_val)[3] - classifiers.recalls(found[False], y_val)[3]
    assert balanced >= spec.TARGET_BALANCED_ACCURACY + 0.03, balanced
    assert gain >= spec.MINORITY_RECALL_GAIN + 0.1, gain


@pytest.mark.parametrize("part", ["visible", "hidden"])
def test_a_split_that_ignores_its_key_is_caught_on_every_case(part):
    """On every case of stratified_split, a fixed split puts its test galaxies in the test set N_KEYS times
    out of N_KEYS, above the binomial bound of each class with test galaxies."""
    cases, _, _ = reference.cases_and_references(ASSIGNMENT, "stratified_split", part)
    for case in cases:
        _, labels, fraction = case.args
        for n_k in np.bincount(labels):
            p = math.floor(fraction * n_k) / n_k if n_k else 0.0
            if p > 0:
                _, hi = splits.binomial_bounds(splits.N_KEYS, p, splits.FALSE_FAILURE / (2 * labels.size))
                assert hi < splits.N_KEYS, (part, n_k, p)


def test_the_hidden_validation_galaxies_are_not_the_public_ones():
    (public,), _, _ = reference.cases_and_references(ASSIGNMENT, "train_classifier", "visible")
    (hidden,), _, _ = reference.cases_and_references(ASSIGNMENT, "train_classifier", "hidden")
    assert hidden.args[0] != public.args[0]
    assert not np.array_equal(hidden.extra[0], public.extra[0])
    assert not np.array_equal(hidden.args[1], public.args[1])


def test_the_workshops_bugs_are_among_the_mistakes():
    assignment = exercises.load(ASSIGNMENT, instructor=True)
    hints = {(e.name, m.hint) for e in assignment.exercises for m in e.mistakes}
    for wanted in [("stratified_split", "unstratified_split"), ("stratified_split", "split_not_random"),
                   ("train_classifier", "hardcoded_key"), ("predictive_entropy", "entropy_log_base"),
                   ("balanced_accuracy", "confusion_transposed")]:
        assert wanted in hints, wanted
