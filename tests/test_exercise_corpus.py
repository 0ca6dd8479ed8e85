"""Every exercise against its reference solution, its typical mistakes and its alternatives.

Calls the checks directly (the fast path): the source solution earns full marks,
each mistake loses points and is shown its expected hint, each different but
correct implementation keeps full marks.
"""
from __future__ import annotations

import pytest

from grader import checks, exercises
from grader.checks import snippets

CASES = [(a, e.name) for a in exercises.names() for e in exercises.load(a).exercises]
MISTAKES = [(a, e.name, i) for a in exercises.names() for e in exercises.load(a).exercises
            for i in range(len(e.mistakes))]
ALTERNATIVES = [(a, e.name, i) for a in exercises.names() for e in exercises.load(a).exercises
                for i in range(len(e.alternatives))]


def grade_both(assignment, name, fn):
    return [checks.grade(assignment, name, part, fn=fn) for part in ("visible", "hidden")]


@pytest.mark.parametrize("assignment,name", CASES)
def test_reference_solution_gets_full_marks(assignment, name, solution_namespace):
    for verdict in grade_both(assignment, name, solution_namespace(assignment)[name]):
        assert verdict.score == verdict.max_points, verdict.render()


@pytest.mark.parametrize("assignment,name", CASES)
def test_every_exercise_has_a_corpus(assignment, name):
    exercise = exercises.load(assignment)[name]
    assert len(exercise.mistakes) >= 5 and len(exercise.alternatives) >= 2


@pytest.mark.parametrize("assignment,name,index", MISTAKES)
def test_mistake_loses_points_with_its_hint(assignment, name, index):
    mistake = exercises.load(assignment)[name].mistakes[index]
    verdicts = grade_both(assignment, name, snippets.function(name, mistake.code))
    lost = sum(v.max_points - v.score for v in verdicts)
    shown = [h for v in verdicts for h in v.hint_ids]
    assert lost > 0, f"mistake '{mistake.note}' kept full marks"
    assert mistake.hint in shown, f"mistake '{mistake.note}': expected hint {mistake.hint}, got {shown}"


@pytest.mark.parametrize("assignment,name,index", ALTERNATIVES)
def test_alternative_keeps_full_marks(assignment, name, index):
    alternative = exercises.load(assignment)[name].alternatives[index]
    for verdict in grade_both(assignment, name, snippets.function(name, alternative.code)):
        assert verdict.score == verdict.max_points, verdict.render()


@pytest.mark.parametrize("assignment,name", CASES)
def test_not_implemented_scores_zero_with_one_reason(assignment, name):
    def stub(*args):
        raise NotImplementedError()
    for verdict in grade_both(assignment, name, stub):
        assert verdict.score == 0
        assert verdict.hint_ids == ["not_implemented"]
