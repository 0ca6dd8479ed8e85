"""The demo cohort, autograded once per session in a temporary copy of the course.

Each synthetic student must get exactly the score it declares (grader/demo.py);
a submission that is not even a notebook must not stop the run.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from grader import demo, exercises
from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent
COHORT = demo.cohort()
BROKEN = "broken_json"   # a submission that is not a notebook at all


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(course, {student: Autograded}, {student: demo.Result}, rows of grades.csv) after one autograde run."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source", root / "source")
    course = Course(root)
    course.release(demo.ASSIGNMENT)
    students = demo.build(course)
    broken = course.submission(BROKEN, demo.ASSIGNMENT)
    broken.parent.mkdir(parents=True)
    broken.write_text("{ this is not json")
    # the broken one goes first: the run must go on after it
    outcomes = course.autograde(demo.ASSIGNMENT, [BROKEN] + [s.id for s in students])
    results = demo.results(course, students, outcomes)
    path = course.export_grades(root / "grades.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return course, {o.student: o for o in outcomes}, {r.student: r for r in results}, rows


def test_cohort_is_large_and_distinct():
    ids = [s.id for s in COHORT]
    assert len(ids) >= 9 and len(set(ids)) == len(ids)


def test_total_points():
    # 11 visible + 14 hidden points, from the test cells' points in the source notebook and the spec
    assert exercises.load(demo.ASSIGNMENT).points == 25


@pytest.mark.parametrize("student", [s.id for s in COHORT])
def test_score_matches_declaration(student, graded):
    _, outcomes, results, rows = graded
    assert outcomes[student].ok, outcomes[student].message
    result = results[student]
    cells = next(r for r in rows if r["student"] == student)
    assert result.ok, (f"{student}: scored {result.score}, declared {result.expected}; "
                       f"test cells: { {k: v for k, v in cells.items() if k.startswith('test_')} }")


def test_blank_and_correct(graded):
    _, _, results, _ = graded
    assert results["blank"].score == 0
    assert results["correct"].score == 25 == results["correct"].max_score
    assert results["noisy_correct"].score == 25


def test_broken_submission_is_recorded_and_the_run_goes_on(graded):
    course, outcomes, _, _ = graded
    assert not outcomes[BROKEN].ok
    assert str(course.submission(BROKEN, demo.ASSIGNMENT).parent) in outcomes[BROKEN].message
    assert all(outcomes[s.id].ok for s in COHORT)


def test_grades_csv_has_a_row_per_student(graded):
    _, _, _, rows = graded
    mine = [r for r in rows if r["assignment"] == demo.ASSIGNMENT]
    assert sorted(r["student"] for r in mine) == sorted([s.id for s in COHORT] + [BROKEN])
    spec = exercises.load(demo.ASSIGNMENT)
    for exercise in spec.exercises:
        assert f"test_{exercise.name}" in mine[0] and f"test_{exercise.name}_hidden" in mine[0]
    correct = next(r for r in mine if r["student"] == "correct")
    assert float(correct["score"]) == float(correct["max_score"]) == spec.points
    assert float(correct["test_noisy_line"]) == spec["noisy_line"].visible.points
