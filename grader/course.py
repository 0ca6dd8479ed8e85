"""The course directory, and talking to nbgrader about it.

A course is the directory holding `nbgrader_config.py`, with nbgrader's layout
under it (source/, release/, submitted/, autograded/, feedback/ as its
`CourseDirectory` names them, see grader.layout) and its gradebook. Every
operation goes through nbgrader's own Python API (`NbGraderAPI`, the `Gradebook`)
with the course's configuration loaded; nothing here re-implements what nbgrader does.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import released
from .errors import CourseError
from .layout import CONFIG_FILE, Layout, find_root, load_config

__all__ = ["CONFIG_FILE", "Course", "CourseError", "find_root", "failure_reason"]

# The documented procedure for what a release refuses once students have submitted.
CHANGING_DOC = "docs/changing_an_assignment.md"


def _quiet_logger() -> logging.Logger:
    """A logger for nbgrader that prints nothing: each call's log is captured and returned instead."""
    log = logging.getLogger("grader.nbgrader")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    log.setLevel(logging.INFO)
    return log


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b")
_BOILERPLATE = ("Please see the", "There was an error processing")


def failure_reason(result: dict) -> str:
    """Why an nbgrader call failed, in one line: the exception it logged, else its last error."""
    lines = [line.strip() for line in result.get("log", "").splitlines() if line.strip()]
    raised = [line for line in lines if _EXCEPTION_LINE.match(line) and not any(b in line for b in _BOILERPLATE)]
    if raised:
        return raised[-1]
    errors = [line.removeprefix("[ERROR]").strip() for line in lines
              if line.startswith("[ERROR]") and not any(b in line for b in _BOILERPLATE)]
    if errors:
        return errors[-1]
    trace = result.get("error", "").strip().splitlines()
    return trace[-1] if trace else "nbgrader failed without a message"


def _tools_on_path() -> None:
    """nbgrader runs `alembic` when it creates a gradebook; make this interpreter's scripts findable."""
    if shutil.which("alembic") is None:
        scripts = str(Path(sys.executable).parent)
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


class Course:
    """One course directory: `root` itself, or when not given, found upward from the working directory."""

    def __init__(self, root: Path | str | None = None):
        if root is not None and not (Path(root) / CONFIG_FILE).is_file():
            raise CourseError(f"{Path(root).resolve() / CONFIG_FILE}: not found (not a course directory)")
        self.root = find_root(root)
        self.config = load_config(self.root)
        self.layout = Layout(self.config, log=_quiet_logger())
        self._api = None

    def __repr__(self) -> str:
        return f"Course({str(self.root)!r})"

    # --- nbgrader objects -------------------------------------------------------

    @property
    def api(self):
        """nbgrader's `NbGraderAPI` for this course (made once)."""
        if self._api is None:
            from nbgrader.apps.api import NbGraderAPI
            _tools_on_path()
            self._api = NbGraderAPI(self.layout.coursedir, config=self.config, log=_quiet_logger())
        return self._api

    def gradebook(self):
        """nbgrader's `Gradebook` of this course; use it as a context manager so it is closed."""
        from nbgrader.api import Gradebook
        _tools_on_path()
        return Gradebook(self.layout.coursedir.db_url, self.layout.coursedir.course_id)

    # --- paths (grader.layout) ------------------------------------------------------

    def source_notebook(self, assignment: str) -> Path:
        return self.layout.source_notebook(assignment)

    def release_notebook(self, assignment: str) -> Path:
        return self.layout.release_notebook(assignment)

    def submission(self, student: str, assignment: str) -> Path:
        return self.layout.submitted(student, assignment) / f"{assignment}.ipynb"

    def submitted_students(self, assignment: str, pattern: str = "*") -> list[str]:
        """Ids of the students with a submission of `assignment` whose id matches the glob `pattern`."""
        students = self.api.get_submitted_students(assignment)
        return sorted(s for s in students if fnmatch.fnmatchcase(s, pattern))

    # --- operations -------------------------------------------------------------

    def release(self, assignment: str) -> None:
        """nbgrader generate_assignment: source/<assignment>/ -> release/<assignment>/ and the gradebook's record.

        Never deletes release/ or grades: a change nbgrader would refuse because students have submitted
        (a graded cell or notebook added or removed) is refused before nbgrader runs, touching nothing;
        when nbgrader fails anyway, release/<assignment>/ is put back as it was.
        """
        source, target = self.layout.source(assignment), self.layout.release(assignment)
        if not source.is_dir():
            raise CourseError(f"{source}: no such assignment directory")
        self._refuse_what_nbgrader_would(assignment)
        recorded = self._fingerprint(assignment)
        with tempfile.TemporaryDirectory(prefix="grader-release-") as kept:
            previous = Path(kept) / assignment
            if target.exists():
                shutil.copytree(target, previous, symlinks=True)
            result = self.api.generate_assignment(assignment, force=True, create=True)
            if result["success"]:
                return
            if previous.exists():
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(previous, target, symlinks=True)
                left = f"{target} is as it was"
            else:
                left = f"{target} was not made"
        if self._fingerprint(assignment) != recorded:
            left += ("; nbgrader had already recorded the new cells in the gradebook, so release again once "
                     "the source is fixed")
        raise CourseError(f"{source}: generate_assignment failed: {failure_reason(result)} ({left})")

    def _fingerprint(self, assignment: str) -> str:
        with self.gradebook() as gb:
            return released.fingerprint(gb, assignment)

    def _refuse_what_nbgrader_would(self, assignment: str) -> None:
        """CourseError, saying what changed and what to do, when students have submitted `assignment` and
        releasing its source would add or remove graded cells (see grader.released)."""
        source = self.layout.source(assignment)
        with self.gradebook() as gb:
            changes = released.refused_changes(gb, assignment, sorted(source.glob("*.ipynb")), self.config)
        if not changes:
            return
        raise CourseError(
            f"{source}: not released: students have submitted {assignment}, and this change adds or removes "
            f"graded cells, on which their grades hang:\n"
            + "".join(f"  - {line}\n" for line in changes)
            + f"Allowed while there are submissions: text, a test's code, points (then `grader autograde "
              f"{assignment}` grades every submission again); a graded cell is dropped by keeping it with 0 points.\n"
              f"To add graded cells: {CHANGING_DOC} in the grader's repository.\n"
              f"Nothing was changed: release/ and the gradebook are as they were.")

    def add_students(self, ids) -> None:
        """Create (or keep) these student ids in the gradebook."""
        with self.gradebook() as gb:
            for student in ids:
                gb.update_or_create_student(student)

    def grades(self) -> list[dict]:
        """One dict per student per assignment in the gradebook: student, assignment, score, max_score and
        the points of each graded test cell (grade id), 0 and blank for a student without a submission.
        grader.gradesheet adds the status of each and writes grades.csv."""
        from nbgrader.api import MissingEntry
        rows = []
        with self.gradebook() as gb:
            for assignment in gb.assignments:
                test_cells = self._test_cell_names(assignment)
                for student in gb.students:
                    row = {"student": student.id, "assignment": assignment.name,
                           "score": 0.0, "max_score": float(assignment.max_score)}
                    row.update({name: "" for name in test_cells})
                    try:
                        submission = gb.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        rows.append(row)
                        continue
                    row["score"] = float(submission.score)
                    for notebook in submission.notebooks:
                        for grade in notebook.grades:
                            if grade.name in row:
                                row[grade.name] = float(grade.score)
                    rows.append(row)
        return rows

    def test_cells(self, assignment: str) -> dict[str, float]:
        """grade id -> points of each graded test cell of `assignment`, in notebook order (from the gradebook)."""
        from nbgrader.api import MissingEntry
        with self.gradebook() as gb:
            try:
                record = gb.find_assignment(assignment)
            except MissingEntry:
                raise CourseError(f"{self.layout.coursedir.db_url}: no assignment {assignment!r} "
                                  f"(release it first)") from None
            points = {cell.name: float(cell.max_score) for nb in record.notebooks for cell in nb.grade_cells}
            return {name: points[name] for name in self._test_cell_names(record)}

    def _test_cell_names(self, assignment) -> list[str]:
        """Grade ids of an assignment's graded test cells (code grade cells that are not answers).

        In the order of the source notebooks (the gradebook keeps no order); by name if one is unreadable.
        """
        names = []
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            tests = [c.name for c in notebook.grade_cells if c.cell_type == "code" and c.name not in answers]
            order = _grade_id_order(self.layout.source(assignment.name) / f"{notebook.name}.ipynb")
            names += sorted(tests, key=lambda name: (order.get(name, len(order)), name))
        return names


def _grade_id_order(notebook_path: Path) -> dict[str, int]:
    """grade_id -> position of its cell in a notebook; {} when the notebook cannot be read."""
    import nbformat
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
    except Exception:  # noqa: BLE001 (only an ordering hint)
        return {}
    ids = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in nb.cells]
    return {grade_id: i for i, grade_id in enumerate(ids) if grade_id}
