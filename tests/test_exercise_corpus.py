"""Every exercise against its reference solution, stubs that do nothing, and the shape of its corpus.

Each corpus entry itself (a mistake must lose points and show its expected hint, an alternative must
keep full marks) is graded on both paths, in the kernel and judged, by tests/test_same_verdict.py.
"""
from __future__ import annotations

import pytest

from grader import checks, exercises

CASES = [(a, e.name) for a in exercises.names() for e in exercises.load(a).exercises]


def grade_both(assignment, name, fn, namespace=None):
    return [checks.grade(assignment, name, part, fn=fn, namespace=namespace) for part in ("visible", "hidden")]


@pytest.mark.parametrize("assignment,name", CASES)
def test_reference_solution_gets_full_marks(assignment, name, solution_namespace):
    namespace = solution_namespace(assignment)
    for verdict in grade_both(assignment, name, namespace[name], namespace):
        assert verdict.score == verdict.max_points, verdict.render()


@pytest.mark.parametrize("assignment,name", CASES)
def test_every_exercise_has_a_corpus(assignment, name):
    exercise = exercises.load(assignment, instructor=True)[name]
    assert len(exercise.mistakes) >= 5 and len(exercise.alternatives) >= 2
    assert all(m.gap or m.hint for m in exercise.mistakes)


@pytest.mark.parametrize("assignment,name", CASES)
def test_not_implemented_scores_zero_with_one_reason(assignment, name):
    def stub(*args):
        raise NotImplementedError()
    for verdict in grade_both(assignment, name, stub):
        assert verdict.score == 0
        assert verdict.hint_ids == ["not_implemented"]


STUBS = {
    "returns a constant": lambda *args: 0.0,
    "returns None": lambda *args: None,
    "returns its first input": lambda *args: args[0] if args else None,
}


@pytest.mark.parametrize("stub", list(STUBS))
@pytest.mark.parametrize("assignment,name", CASES)
def test_doing_nothing_earns_nothing(assignment, name, stub, solution_namespace):
    """No points for properties any stub has (inputs unchanged, same key same result, no key reused,
    works on pytrees) without evidence that the function does its job. Before this rule a constant
    earned 3.6 of s1_jax_fundamentals' 25 points."""
    fn = STUBS[stub]
    namespace = {**solution_namespace(assignment), name: fn}
    for verdict in grade_both(assignment, name, fn, namespace):
        assert verdict.score == 0, verdict.render()


@pytest.mark.parametrize("assignment,name", CASES)
def test_every_test_cell_asks_for_evidence(assignment, name):
    exercise = exercises.load(assignment, instructor=True)[name]
    for part in ("visible", "hidden"):
        assert any(c.evidence for c in exercise.part(part).checks), (name, part)
