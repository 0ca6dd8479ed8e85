"""Grades people can move: one row per student and assignment, with its status, written to grades.csv.

Scores come from the gradebook (`Course.grades`); the status from the autograde manifest
(grader.autograde.manifest) and the submitted/ folders:

- ``graded``: the gradebook holds the grades of the current submission;
- ``stale: <why>``: the gradebook's grades are those of an earlier submission, or of the tests before
  they changed (`grader autograde` grades it again); the scores are shown;
- ``failed: <why>``: the last grading failed; the reason names the submitted file;
- ``not graded yet``: submitted, never autograded;
- ``no submission``.

Every student of the gradebook, and every student with a folder of an assignment in submitted/, has a
row for each assignment. A failed or not yet graded submission has no score (blank, not 0: it is not a
grade); a missing submission scores 0.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course, CourseError
from .files import replace_text

GRADED, NOT_GRADED, NO_SUBMISSION = "graded", "not graded yet", "no submission"
COLUMNS = ["student", "assignment", "status", "score", "max_score"]


@dataclass(frozen=True)
class Grade:
    """One student's grade on one assignment (points; None where there is no grade)."""
    student: str
    assignment: str
    status: str
    score: float | None
    max_score: float
    cells: dict[str, float | None] = field(default_factory=dict)   # graded test cell (grade id) -> points

    @property
    def graded(self) -> bool:
        return self.status == GRADED


@dataclass(frozen=True)
class Person:
    """What the gradebook knows of a student besides the id (empty strings when nothing)."""
    first_name: str = ""
    last_name: str = ""
    email: str = ""


def grades(course: Course) -> list[Grade]:
    """Every student's grade on every assignment of the gradebook, by assignment then student."""
    rows = {(r["assignment"], r["student"]): r for r in course.grades()}
    assignments = list(dict.fromkeys(a for a, _ in rows)) or _released(course)
    submitted = {a: set(course.layout.students("submitted", a)) for a in assignments}
    students = sorted({s for _, s in rows} | set().union(*submitted.values()))
    out = []
    for assignment in assignments:
        status = _statuses(course, assignment, students, submitted[assignment])
        cells = course.test_cells(assignment)
        for student in students:
            row = rows.get((assignment, student), {})
            why = status[student]
            scored = why == GRADED or why.startswith("stale")
            score = float(row.get("score") or 0.0) if scored else (0.0 if why == NO_SUBMISSION else None)
            out.append(Grade(student, assignment, why, score, float(sum(cells.values())),
                             {c: _number(row.get(c)) if scored else None for c in cells}))
    return out


def people(course: Course) -> dict[str, Person]:
    """student id -> names and e-mail address as the gradebook records them."""
    with course.gradebook() as gb:
        return {s.id: Person(s.first_name or "", s.last_name or "", s.email or "") for s in gb.students}


def write_csv(course: Course, path: Path | str | None = None) -> Path:
    """Write grades.csv (default: in the course root); the file is replaced only once completely written.

    Columns: student, assignment, status, score, max_score, then one per graded test cell of every
    assignment (its grade id, e.g. test_noisy_line), blank where the cell is not the row's assignment's
    or there is no grade.
    """
    path = Path(path) if path is not None else course.root / "grades.csv"
    table = grades(course)
    cells = list(dict.fromkeys(c for g in table for c in g.cells))
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, COLUMNS + cells, restval="")
    writer.writeheader()
    for g in table:
        writer.writerow({"student": g.student, "assignment": g.assignment, "status": g.status,
                         "score": _cell(g.score), "max_score": _cell(g.max_score),
                         **{c: _cell(v) for c, v in g.cells.items()}})
    try:
        replace_text(path, text.getvalue())
    except OSError as exc:
        raise CourseError(f"{path}: could not write grades ({exc.strerror or exc})") from None
    return path


def _statuses(course: Course, assignment: str, students: list[str], submitted: set[str]) -> dict[str, str]:
    from .autograde.manifest import Manifest
    try:
        manifest = Manifest(course, assignment)
    except ValueError as err:
        raise CourseError(str(err)) from None
    out = {}
    for student in students:
        entry = manifest.entries.get(student) or {}
        if entry and not entry.get("ok"):
            reason = str(entry.get("reason") or "no reason recorded").replace(str(course.root) + os.sep, "")
            out[student] = f"failed: {reason}"
        elif student in manifest.in_gradebook:
            why = manifest.stale(student)
            out[student] = f"stale: {why}" if why else GRADED
        else:
            out[student] = NOT_GRADED if student in submitted else NO_SUBMISSION
    return out


def _released(course: Course) -> list[str]:
    with course.gradebook() as gb:
        return [a.name for a in gb.assignments]


def _number(value) -> float | None:
    return None if value in (None, "") else float(value)


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))
