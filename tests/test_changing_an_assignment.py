"""Changing an assignment after students have submitted (docs/changing_an_assignment.md).

One scratch course (config and source/ of the checkout) is released, given two submissions
(the demo's `correct` and `blank`) and graded without the sandbox; each test works on a copy of it.
`grader release` never deletes release/ or grades; a change of tests makes every submission need
grading again, and the class report never counts autograded notebooks whose grades are stale.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_release import copy_course      # the checkout's config and source/, nothing else

from grader import demo
from grader.autograde import autograde
from grader.cli import main
from grader.course import Course, CourseError
from grader.report import classreport

ROOT = Path(__file__).resolve().parent.parent
A = demo.ASSIGNMENT
STUDENTS = ["correct", "blank"]
CHANGED_TEST = "test_noisy_line"        # the visible test of noisy_line: `correct` passes it, `blank` does not


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """A course with A released and STUDENTS' submissions graded."""
    course = copy_course(ROOT, tmp_path_factory.mktemp("graded") / "course")
    course.release(A)
    demo.build(course, [s for s in demo.cohort() if s.id in STUDENTS])
    course.add_students(STUDENTS)
    assert all(o.ok for o in autograde(course, A, STUDENTS, workers=2, sandbox=False))
    return course.root


@pytest.fixture
def course(graded, tmp_path) -> Course:
    shutil.copytree(graded, tmp_path / "course")
    return Course(tmp_path / "course")


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_source(course: Course, change) -> None:
    """Apply `change(cells)` to the source notebook's list of cells."""
    path = course.source_notebook(A)
    nb = nbformat.read(str(path), as_version=4)
    change(nb.cells)
    nbformat.write(nb, str(path))


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def add_graded_cell(cells) -> None:
    cells.append(nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": "test_extra",
        "schema_version": 3}}))


def report(course: Course) -> dict:
    classreport.write(course, A)
    return json.loads((course.root / "reports" / A / "report.json").read_text())


def gradebook_scores(course: Course) -> dict[str, float]:
    with course.gradebook() as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(A)}


# --- what a release refuses, and what it leaves behind -----------------------------------

def test_adding_a_graded_cell_after_submissions_is_refused_and_changes_nothing(course):
    """Before: nbgrader's generate_assignment --force removed release/<assignment>/, then failed
    ("Cannot add or remove cells ... submissions associated with it")."""
    release, gradebook = files(course.root / "release" / A), (course.root / "gradebook.db").read_bytes()
    edit_source(course, add_graded_cell)
    with pytest.raises(CourseError) as refused:
        course.release(A)
    assert files(course.root / "release" / A) == release
    assert (course.root / "gradebook.db").read_bytes() == gradebook
    message = str(refused.value)
    assert "test_extra would be added (a graded test)" in message
    assert "text, a test's code, points" in message and "docs/changing_an_assignment.md" in message


def test_removing_a_cell_or_changing_its_kind_is_named(course):
    def change(cells):
        cells[:] = [c for c in cells if grade_id(c) != "test_set_entry_hidden"]
        test = next(c for c in cells if grade_id(c) == CHANGED_TEST)
        test.metadata["nbgrader"]["solution"] = True           # a test cell becomes an answer
    edit_source(course, change)
    with pytest.raises(CourseError) as refused:
        course.release(A)
    assert "test_set_entry_hidden would be removed (a graded test)" in str(refused.value)
    assert f"{CHANGED_TEST} would change from a graded test to a graded answer" in str(refused.value)


def test_cli_release_says_so_in_lines_naming_the_cell(course, capsys):
    edit_source(course, add_graded_cell)
    assert main(["--course", str(course.root), "release", A]) == 2
    err = capsys.readouterr().err
    assert "test_extra" in err and "Traceback" not in err


def _unbalanced_hidden_tests(cells):
    test = next(c for c in cells if grade_id(c) == f"{CHANGED_TEST}_hidden")
    test.source = test.source.replace("### END HIDDEN TESTS", "")


def _points_not_a_number(cells):
    next(c for c in cells if grade_id(c) == CHANGED_TEST).metadata["nbgrader"]["points"] = "many"


@pytest.mark.parametrize("breakage", [_unbalanced_hidden_tests, _points_not_a_number])
def test_nbgrader_failing_otherwise_leaves_release_as_it_was(course, breakage):
    """Before: release/<assignment>/ was gone after any failure of generate_assignment."""
    release = files(course.root / "release" / A)
    edit_source(course, breakage)
    with pytest.raises(CourseError) as failed:
        course.release(A)
    assert files(course.root / "release" / A) == release
    assert str(course.root / "source" / A) in str(failed.value) and "is as it was" in str(failed.value)


# --- after a change of tests: regrading, and a report that agrees with the gradebook ---------

def test_a_changed_test_regrades_every_submission_and_the_report_agrees(course):
    """The visible test of noisy_line changes so that nobody passes it. The instructor first runs
    autograde before releasing (nothing to do: grading uses the gradebook's tests), then releases.
    Before: the manifest followed source/, so the first run regraded with the old tests and the
    second found nothing to do; the report counted the stale notebooks."""
    before = gradebook_scores(course)
    with course.gradebook() as gb:
        points = gb.find_grade_cell(CHANGED_TEST, A, A).max_score
    edit_source(course, lambda cells: setattr(next(c for c in cells if grade_id(c) == CHANGED_TEST),
                                              "source", 'assert False, "the test changed"'))
    assert autograde(course, A, STUDENTS, workers=2, sandbox=False) == []

    course.release(A)
    stale = report(course)
    assert stale["summary"]["graded"] == 0 and stale["scores"] == {}
    assert {s["student"]: s["reason"] for s in stale["stale"]} == dict.fromkeys(
        STUDENTS, "graded before the assignment's tests, points or configuration changed")

    assert sorted(o.student for o in autograde(course, A, STUDENTS, workers=2, sandbox=False)) == sorted(STUDENTS)
    after = gradebook_scores(course)
    assert after == {"correct": before["correct"] - points, "blank": before["blank"]}
    current = report(course)
    assert current["stale"] == [] and current["summary"]["graded"] == len(STUDENTS)
    assert current["scores"] == pytest.approx(after)
    noisy = next(e for e in current["exercises"] if e["exercise"] == "noisy_line")
    assert noisy["full"] == 0
    graded = nbformat.read(str(course.root / "autograded" / "correct" / A / f"{A}.ipynb"), as_version=4)
    assert "the test changed" in next(c for c in graded.cells if grade_id(c) == CHANGED_TEST).source


def test_text_keeps_grades_current_and_dropping_a_cell_by_its_points_does_not(course):
    """A release that changes only text leaves every grade current; dropping a graded cell the documented
    way (0 points, a comment for its code) is released and makes every submission stale."""
    def text(cells):
        next(c for c in cells if c.cell_type == "markdown").source += "\n\nA sentence added after grading."
    edit_source(course, text)
    course.release(A)
    assert report(course)["stale"] == []

    def drop(cells):
        hidden = next(c for c in cells if grade_id(c) == "test_set_entry_hidden")
        hidden.source, hidden.metadata["nbgrader"]["points"] = "# No longer graded (0 points).", 0
    edit_source(course, drop)
    course.release(A)
    assert [s["student"] for s in report(course)["stale"]] == sorted(STUDENTS)


def test_grades_gone_from_the_gradebook_are_not_counted_as_zero(course):
    """The issue's report ('graded: 14, median 0.0'): autograded notebooks whose grades were removed
    from the gradebook. Before: counted as graded, with a score of 0."""
    with course.gradebook() as gb:
        gb.remove_submission(A, "correct")
    shown = report(course)
    assert list(shown["grid"]) == ["blank"] and shown["blank"] == ["blank"]     # the blank one, counted apart
    assert [s["student"] for s in shown["stale"]] == ["correct"]
    assert "not in the gradebook" in shown["stale"][0]["reason"]
    assert [o.student for o in autograde(course, A, STUDENTS, workers=2, sandbox=False)] == ["correct"]
    assert report(course)["stale"] == []


# --- the documented procedure ---------------------------------------------------------------

def test_the_documented_procedure_adds_a_graded_cell_and_regrades(course, capsys):
    """docs/changing_an_assignment.md, 'Adding, removing or renaming a graded cell', step by step."""
    edit_source(course, add_graded_cell)
    grader = ["--course", str(course.root)]
    assert main(grader + ["release", A]) == 2
    shutil.copy(course.root / "gradebook.db", course.root / "gradebook-before-change.db")
    assert main(grader + ["export", "--output", str(course.root / "grades-before-change.csv")]) == 0
    nbgrader = Path(sys.executable).with_name("nbgrader")
    removed = subprocess.run([str(nbgrader), "db", "assignment", "remove", A, "--force"], cwd=course.root,
                             capture_output=True, text=True, timeout=120)
    assert removed.returncode == 0, removed.stderr

    capsys.readouterr()
    assert main(grader + ["release", A]) == 0
    assert f"{len(STUDENTS)} autograded submission(s) of {A} no longer match" in capsys.readouterr().out
    waiting = report(course)                 # the report counted these as graded, with 0 points
    assert waiting["summary"]["graded"] == 0 and len(waiting["stale"]) == len(STUDENTS)
    assert main(grader + ["autograde", A, "--no-sandbox", "--workers", "2"]) == 0
    assert f"{len(STUDENTS)} of {len(STUDENTS)} submissions graded" in capsys.readouterr().out
    assert main(grader + ["feedback", A]) == 0 and main(grader + ["report", A]) == 0
    shown = json.loads((course.root / "reports" / A / "report.json").read_text())
    assert shown["stale"] == [] and shown["scores"] == pytest.approx(gradebook_scores(course))
    assert shown["summary"]["max_score"] == 26
    assert "test_extra" in course.test_cells(A)
