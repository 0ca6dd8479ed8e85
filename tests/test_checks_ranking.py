"""Unit tests of `grader.checks.ranking`: the precision at the number of flagged samples, and the check that
passes scores ranking the flagged samples first and fails others with its hint."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from grader.checks import ranking
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Instructor, Part

FLAGS = np.zeros(20, bool)
FLAGS[[3, 7, 11, 19]] = True
X = np.arange(20, dtype=np.float32)
CASES = [Case((X,), "x", extra=(FLAGS,))]


def grade(fn, threshold=0.5):
    check = ranking.ranks_flagged_first(threshold)
    part = Part(1, (check,))
    public = Exercise(name="f", signature="f(x)", visible=part, hidden=Part(1), public_cases=CASES,
                      returns=lambda x: jax.ShapeDtypeStruct(x.shape, jnp.float32))
    exercise = public.complete(Instructor(hidden_checks=(check,), hidden_cases=lambda rng: CASES))
    return run_part("unit", exercise, "visible", fn, CASES, None).results[0]


def test_precision_at_count_by_hand():
    scores = np.zeros(20)
    scores[[3, 7, 0, 1]] = [9, 8, 7, 6]          # 2 of the 4 highest are flagged
    assert ranking.precision_at_count(scores, FLAGS) == 0.5


def test_scores_that_put_the_flagged_first_pass():
    assert grade(lambda x: jnp.where(jnp.isin(x, jnp.array([3.0, 7.0, 11.0, 19.0])), 10.0, 0.0) + x / 100).passed


def test_scores_that_miss_them_fail_with_the_hint():
    result = grade(lambda x: -x)                 # the highest scores are samples 0-3: one flagged
    assert not result.passed and result.hint == "anomalies_missed"
    assert "precision 0.25" in result.message


def test_nan_scores_fail():
    result = grade(lambda x: x * jnp.nan)
    assert not result.passed and result.hint == "not_finite"
