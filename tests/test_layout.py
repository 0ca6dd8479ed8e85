"""Course paths come from nbgrader's CourseDirectory, as the course configures it (grader.layout).

A scratch course renames every step's directory and puts the assignment before the student in
`directory_structure`; release, autograde (two students, without the sandbox), feedback and the
class report must put and find everything where nbgrader would, and make none of the default folders.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from grader import demo
from grader.autograde import autograde
from grader.cli import main
from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent
A = demo.ASSIGNMENT
STUDENTS = ["correct", "blank"]
DIRECTORIES = {"source": "src", "release": "student_version", "submitted": "handed_in",
               "autograded": "graded", "feedback": "comments"}
CONFIG = "".join(f"c.CourseDirectory.{step}_directory = {name!r}\n" for step, name in DIRECTORIES.items()) + \
    'c.CourseDirectory.directory_structure = os.path.join("{nbgrader_step}", "{assignment_id}", "{student_id}")\n'


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """The renamed course: released, STUDENTS submitted and autograded, feedback and class report written."""
    root = tmp_path_factory.mktemp("renamed") / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + "\n" + CONFIG)
    shutil.copytree(ROOT / "source" / A, root / "src" / A)
    course = Course(root)
    course.release(A)
    demo.build(course, [s for s in demo.cohort() if s.id in STUDENTS])
    course.add_students(STUDENTS)
    assert sorted(course.submitted_students(A)) == sorted(STUDENTS)
    assert all(o.ok for o in autograde(course, A, workers=2, sandbox=False))
    assert main(["--course", str(root), "feedback", A]) == 0
    assert main(["--course", str(root), "report", A]) == 0
    return course


def test_every_file_is_where_nbgrader_puts_it(course):
    root = course.root
    assert (root / "student_version" / A / f"{A}.ipynb").is_file()
    for student in STUDENTS:
        assert (root / "handed_in" / A / student / f"{A}.ipynb").is_file()
        assert (root / "graded" / A / student / f"{A}.ipynb").is_file()
        assert (root / "comments" / A / student / f"{A}.html").is_file()
    assert (root / "graded" / ".grader" / f"{A}.json").is_file()
    assert not [d for d in ("source", "release", "submitted", "autograded", "feedback") if (root / d).exists()]


def test_the_layout_agrees_with_nbgrader(course):
    from grader.layout import Layout
    layout = Layout.of(course.root)
    for step, name in DIRECTORIES.items():
        assert layout.directory(step) == name
        assert layout.path(step, "someone", A) == course.root / name / A / "someone"
    assert layout.students("autograded", A) == layout.students("submitted", A) == sorted(STUDENTS)
    assert sorted(course.api.get_autograded_students(A)) == sorted(STUDENTS)


def test_the_class_report_counts_both_and_links_their_pages(course):
    folder = course.root / "reports" / A
    report = json.loads((folder / "report.json").read_text())
    assert report["summary"]["graded"] + report["summary"]["blank"] == len(STUDENTS)
    assert report["blank"] == ["blank"] and report["ungraded"] == [] and report["stale"] == []
    with course.gradebook() as gb:
        assert report["scores"] == pytest.approx({s.student.id: s.score for s in gb.assignment_submissions(A)
                                                  if s.student.id != "blank"})
    for student in STUDENTS:
        page = Path(os.path.normpath(folder / report["feedback"][student]))
        assert page == course.root / "comments" / A / student / f"{A}.html"


def test_a_second_run_finds_nothing_to_grade(course):
    assert autograde(course, A, workers=2, sandbox=False) == []
