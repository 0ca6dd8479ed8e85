"""Grades for a learning-management system: Canvas and Moodle gradebook imports, as nbgrader exporters.

Each format is an nbgrader export plugin (`nbgrader.plugins.ExportPlugin`), so both
``grader export --format canvas`` and ``nbgrader export --exporter=grader.lms.CanvasExport --to FILE``
write it. Rows come from grader.gradesheet (a status per student and assignment): a submission that
failed to grade or is not graded yet has an empty cell, which both systems read as "no grade" (nothing
is overwritten); a missing submission scores 0. The column mapping is in docs/grades_to_an_lms.md.

- Canvas (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, then one column per
  assignment with its points, after a "Points Possible" row. Canvas matches a row to a student by ID,
  SIS User ID or SIS Login ID; the nbgrader student id goes in SIS Login ID (`c.CanvasExport.id_column`
  in nbgrader_config.py to change).
- Moodle (Grades > Import > CSV file): ID number, Email address, First name, Last name, then per
  assignment its points and a feedback column with the status of anything not graded. In the import
  form, map "ID number" (or "Email address") to the user field of that name and each assignment column
  to its grade item.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Enum, Unicode

from . import gradesheet
from .course import Course, CourseError
from .files import replace_text

CANVAS_IDS = ("ID", "SIS User ID", "SIS Login ID")


class _GradesExport(ExportPlugin):
    """Common ground: the course, the selected grades, the file written."""

    default_name = "grades.csv"
    course_root = Unicode("", help="the course directory (default: nbgrader's, else found from the working "
                                   "directory)").tag(config=True)

    def export(self, gradebook=None) -> Path:
        """Write the file (`self.to`, default `default_name` in the course); `gradebook` is nbgrader's (unused:
        the rows come from grader.gradesheet, which reads the same gradebook and the autograde manifest)."""
        course = self.course()
        table = [g for g in gradesheet.grades(course)
                 if (not self.assignment or g.assignment in self.assignment)
                 and (not self.student or g.student in self.student)]
        if not table:
            raise CourseError(f"{course.root}: no grades to export (no assignment released, or none selected)")
        path = Path(self.to) if self.to else course.root / self.default_name
        text = io.StringIO(newline="")
        csv.writer(text).writerows(self.rows(table, gradesheet.people(course)))
        try:
            return replace_text(path, text.getvalue())
        except OSError as exc:
            raise CourseError(f"{path}: could not write grades ({exc.strerror or exc})") from None

    def course(self) -> Course:
        """The course set, else the one nbgrader's export app runs in, else the working directory's."""
        root = self.course_root or getattr(getattr(self.parent, "coursedir", None), "root", None)
        return Course(root) if root else Course()

    def rows(self, table: list[gradesheet.Grade], people: dict[str, gradesheet.Person]) -> list[list]:
        raise NotImplementedError


class CanvasExport(_GradesExport):
    """Canvas's gradebook CSV: a header, a Points Possible row, then one row per student."""

    default_name = "grades_canvas.csv"
    id_column = Enum(list(CANVAS_IDS), default_value="SIS Login ID",
                     help="the Canvas column that holds the nbgrader student id").tag(config=True)

    def rows(self, table, people):
        assignments, students = _axes(table)
        by = {(g.student, g.assignment): g for g in table}
        maxima = {g.assignment: g.max_score for g in table}
        out = [["Student", *CANVAS_IDS, "Section", *assignments],
               ["Points Possible", "", "", "", "", *[_points(maxima[a]) for a in assignments]]]
        for student in students:
            person = people.get(student, gradesheet.Person())
            name = ", ".join(n for n in (person.last_name, person.first_name) if n) or student
            ids = [student if column == self.id_column else "" for column in CANVAS_IDS]
            out.append([name, *ids, "", *[_points(by[student, a].score) for a in assignments]])
        return out


class MoodleExport(_GradesExport):
    """Moodle's CSV grade import: identity columns, then per assignment its points and a feedback column."""

    default_name = "grades_moodle.csv"

    def rows(self, table, people):
        assignments, students = _axes(table)
        by = {(g.student, g.assignment): g for g in table}
        out = [["ID number", "Email address", "First name", "Last name",
                *[column for a in assignments for column in (a, f"{a} feedback")]]]
        for student in students:
            person = people.get(student, gradesheet.Person())
            cells = []
            for a in assignments:
                grade = by[student, a]
                cells += [_points(grade.score), "" if grade.graded else grade.status]
            out.append([student, person.email, person.first_name, person.last_name, *cells])
        return out


FORMATS = {"canvas": CanvasExport, "moodle": MoodleExport}


def export(course: Course, fmt: str, path: Path | str | None = None, assignments=(), students=()) -> Path:
    """Write `fmt` ("canvas" or "moodle") for `course` to `path` (default grades_<fmt>.csv in the course)."""
    plugin = FORMATS[fmt](config=course.config, course_root=str(course.root), to=str(path) if path else "",
                          assignment=list(assignments), student=list(students))
    return plugin.export()


def _axes(table: list[gradesheet.Grade]) -> tuple[list[str], list[str]]:
    return list(dict.fromkeys(g.assignment for g in table)), sorted({g.student for g in table})


def _points(value: float | None) -> str:
    """Points as both systems read them: "12.5", "3" (no trailing .0), "" for no grade."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")
