"""The audit: counting rules, and the real autograding path agreeing with the fast path."""
from __future__ import annotations

import shutil

import pytest

from grader import audit, exercises
from grader.course import Course

ASSIGNMENT = "s1_jax_fundamentals"


def entry(kind, lost, hints, expected="reused_key", gap=""):
    return audit.Entry(ASSIGNMENT, "f", kind, 0, "", expected if kind == "mistake" else None, lost, hints, gap)


def test_counting_rules():
    summary = audit.Summary([
        entry("mistake", 0.5, ("reused_key",)),            # caught
        entry("mistake", 0.5, ("wrong_value",)),           # lost points but the wrong hint: slipped
        entry("mistake", 0.0, ()),                         # full marks: slipped
        entry("mistake", 0.0, (), gap="not checkable"),    # known gap, counted apart
        entry("alternative", 0.0, ()),                     # accepted
        entry("alternative", 0.25, ("jit_mismatch",)),     # a correct answer that lost points
    ])
    assert summary.counts() == {"mistakes": 3, "caught": 1, "alternatives": 2, "accepted": 1, "gaps": 1}
    assert len(summary.failures) == 3
    assert summary.line() == "mistakes caught: 1/3, alternatives accepted: 1/2, known gaps: 1"


def test_real_autograding_agrees_with_the_fast_path(tmp_path, course_root):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course_root / "nbgrader_config.py", root)
    shutil.copytree(course_root / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    course = Course(root)
    course.release(ASSIGNMENT)
    only = {("two_independent_normals", "mistake", 0), ("set_entry", "mistake", 0),
            ("soft_threshold", "alternative", 1)}
    summary = audit.audit_autograde(course, ASSIGNMENT, only, workers=2)
    assert len(summary.entries) == 3 and summary.failures == []
    spec = exercises.load(ASSIGNMENT, instructor=True)
    for real in summary.entries:
        exercise = spec[real.exercise]
        snippet = (exercise.mistakes if real.kind == "mistake" else exercise.alternatives)[real.index]
        fast = audit.check_entry(ASSIGNMENT, exercise, real.kind, real.index, snippet)
        assert real.lost == pytest.approx(fast.lost, abs=0.01), real
        assert set(real.hints) == set(fast.hints), real
