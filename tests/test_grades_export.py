"""Submissions that cannot be graded are named by their submitted file, and every student gets a grade row
with a status: grades.csv, and the Canvas and Moodle imports (grader.gradesheet, grader.lms, `grader export`,
and nbgrader's own `nbgrader export --exporter`).

One scratch course of the demo assignment: a blank workbook graded (one kernel), the ways a submission can
fail before a kernel starts (renamed, empty, binary, not JSON, a future nbformat, a folder without a
notebook), a valid submission not graded yet, and a student of the gradebook who submitted nothing.
"""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import demo, gradesheet, lms
from grader.autograde import autograde
from grader.autograde.intake import SubmissionUnreadable, check_notebooks, notebook_problem
from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent
A = demo.ASSIGNMENT
NB = f"{A}.ipynb"
BROKEN = {   # student -> (what is in submitted/<student>/<A>/, words the reason must hold)
    "renamed": ({"my_copy.ipynb": "blank"}, [f"submitted/renamed/{A}/: no {NB}", "found my_copy.ipynb",
                                            "must keep the name"]),
    "empty": ({NB: b""}, [f"submitted/empty/{A}/{NB}: an empty file (0 bytes)"]),
    "binary": ({NB: b"\x89PNG\r\n\x1a\n\x00\xff\xfe"}, [f"submitted/binary/{A}/{NB}: not text", "not UTF-8"]),
    "not_json": ({NB: b"{ this is not json"}, [f"submitted/not_json/{A}/{NB}: not JSON", "line 1, column 3"]),
    "json_list": ({NB: b"[1, 2, 3]"}, [f"submitted/json_list/{A}/{NB}: JSON, but not a Jupyter notebook"]),
    "future": ({NB: json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}).encode()},
               [f"submitted/future/{A}/{NB}: a notebook nbformat cannot read (nbformat 99"]),
    "only_folder": ({}, [f"submitted/only_folder/{A}/: no {NB}", "the folder is empty"]),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("grades") / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source" / A, root / "source" / A)
    course = Course(root)
    course.release(A)
    blank = next(s for s in demo.cohort() if s.id == "blank")
    demo.build(course, [blank, demo.Student("waiting", "submitted, not graded yet", answer=demo.stub)])
    text = course.submission("blank", A).read_bytes()
    for student, (files, _) in BROKEN.items():
        folder = course.submission(student, A).parent
        folder.mkdir(parents=True)
        for name, content in files.items():
            (folder / name).write_bytes(text if content == "blank" else content)
    course.add_students(["blank", "waiting", "absent", *BROKEN])
    outcomes = autograde(course, A, ["blank", *BROKEN], workers=1, sandbox=False)
    course.outcomes = {o.student: o for o in outcomes}
    return course


# --- the reason names the submitted file ------------------------------------------------------------

@pytest.mark.parametrize("student", list(BROKEN))
def test_an_ungradable_submission_is_named_by_its_submitted_file(course, student):
    outcome = course.outcomes[student]
    assert not outcome.ok
    for words in BROKEN[student][1]:
        assert words in outcome.message, outcome.message
    assert "autograded/" not in outcome.message and "generate_assignment" not in outcome.message


def test_notebook_problem_accepts_a_released_workbook(course):
    assert notebook_problem(course.release_notebook(A)) == ""
    check_notebooks(course.release_notebook(A).parent, [NB], "release")      # raises on any problem


def test_several_notebooks_found_are_all_named(tmp_path):
    for name in ("b.ipynb", "a.ipynb"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(SubmissionUnreadable, match=rf"^here/: no {NB}; found a.ipynb, b.ipynb;"):
        check_notebooks(tmp_path, [NB], "here")


# --- grades.csv: every student, a status each ---------------------------------------------------------

def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_grades_csv_has_a_status_for_every_student(course, tmp_path):
    rows = {r["student"]: r for r in read_csv(gradesheet.write_csv(course, tmp_path / "grades.csv"))}
    assert sorted(rows) == sorted(["blank", "waiting", "absent", *BROKEN])
    assert rows["blank"]["status"] == "graded" and float(rows["blank"]["score"]) == 0.0
    assert rows["waiting"]["status"] == "not graded yet" and rows["waiting"]["score"] == ""
    assert rows["absent"]["status"] == "no submission" and float(rows["absent"]["score"]) == 0.0
    for student in BROKEN:
        row = rows[student]
        assert row["status"].startswith("failed: submitted/"), row["status"]
        assert row["score"] == "" and all(row[c] == "" for c in course.test_cells(A))     # no grade, not 0
    assert all(float(r["max_score"]) == sum(course.test_cells(A).values()) for r in rows.values())


def test_a_resubmission_that_breaks_is_failed_not_the_old_grade(course, tmp_path):
    """A graded student hands in a broken notebook: the gradebook still holds the old grades, the row says
    the new submission failed and carries no score."""
    scratch = Course(shutil.copytree(course.root, tmp_path / "course"))
    scratch.submission("blank", A).write_text("{")
    [outcome] = autograde(scratch, A, ["blank"], workers=1, sandbox=False)
    assert not outcome.ok
    [row] = [g for g in gradesheet.grades(scratch) if g.student == "blank"]
    assert row.status.startswith(f"failed: submitted/blank/{A}/{NB}: not JSON") and row.score is None


# --- Canvas and Moodle --------------------------------------------------------------------------------

def test_canvas_import_file(course, tmp_path):
    path = lms.export(course, "canvas", tmp_path / "canvas.csv")
    with open(path, newline="") as f:
        header, possible, *rows = list(csv.reader(f))
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A]
    assert possible[0] == "Points Possible" and float(possible[5]) == sum(course.test_cells(A).values())
    by_login = {r[3]: r for r in rows}
    assert sorted(by_login) == sorted(["blank", "waiting", "absent", *BROKEN])
    assert by_login["blank"][5] == "0" and by_login["absent"][5] == "0"
    assert by_login["waiting"][5] == "" and by_login["renamed"][5] == ""      # Canvas: empty = no grade


def test_moodle_import_file_carries_the_reason_as_feedback(course, tmp_path):
    path = lms.export(course, "moodle", tmp_path / "moodle.csv", students=["blank", "renamed"])
    rows = read_csv(path)
    assert list(rows[0]) == ["ID number", "Email address", "First name", "Last name", A, f"{A} feedback"]
    by_id = {r["ID number"]: r for r in rows}
    assert sorted(by_id) == ["blank", "renamed"]
    assert by_id["blank"][A] == "0" and by_id["blank"][f"{A} feedback"] == ""
    assert by_id["renamed"][A] == "" and "must keep the name" in by_id["renamed"][f"{A} feedback"]


def test_grader_export_and_nbgrader_export_write_the_same_canvas_file(course, tmp_path):
    """The path users take: `grader export --format canvas`, and nbgrader's own export app with the plugin,
    both reading the course's nbgrader_config.py (here: the student id in Canvas's SIS User ID column)."""
    root = shutil.copytree(course.root, tmp_path / "course")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write('\nc.CanvasExport.id_column = "SIS User ID"\n')
    bin_dir = Path(sys.executable).parent
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    subprocess.run([bin_dir / "grader", "export", "--format", "canvas", "--output", ours],
                   cwd=root, check=True, capture_output=True, text=True)
    done = subprocess.run([bin_dir / "nbgrader", "export", "--exporter=grader.lms.CanvasExport", f"--to={theirs}"],
                          cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ours.read_text() == theirs.read_text()
    with open(ours, newline="") as f:
        rows = list(csv.reader(f))[2:]
    assert sorted(r[2] for r in rows) == sorted(["blank", "waiting", "absent", *BROKEN])      # SIS User ID
    assert {r[3] for r in rows} == {""}
