"""The course directory, and talking to nbgrader about it.

A course is the directory holding `nbgrader_config.py`, with nbgrader's layout
under it: source/, release/, submitted/, autograded/, feedback/, gradebook.db.
Every operation goes through nbgrader's own Python API (`NbGraderAPI`, the
`Gradebook`) with the course's configuration loaded; nothing here re-implements
what nbgrader does.
"""
from __future__ import annotations

import contextlib
import csv
import fnmatch
import io
import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .files import replace_text

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """An expected problem (missing file, bad notebook, nbgrader failure); the message names the file."""


@dataclass(frozen=True)
class Autograded:
    """What autograding did for one student: ok or not, a one-line reason, and the full log."""
    student: str
    ok: bool
    message: str = ""
    log: str = ""
    grader_errors: tuple[str, ...] = ()   # faults of the grader's own code while grading it (not the student's)


def find_root(start: Path | str | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) holding nbgrader_config.py."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    if start is not None and not here.is_dir():
        raise CourseError(f"{here}: no such directory")
    for directory in (here, *here.parents):
        if (directory / CONFIG_FILE).is_file():
            return directory
    raise CourseError(f"{here}: no {CONFIG_FILE} here or in any parent directory (not inside a course)")


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


def _reason(result: dict) -> str:
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


class _Captured:
    text = ""


@contextlib.contextmanager
def _captured_stderr():
    """Capture file descriptor 2 (kernels inherit it) and Python warnings; the text is in `.text` after."""
    captured = _Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            captured.text = tmp.read().decode(errors="replace") + "".join(
                f"{w.category.__name__}: {w.message}\n" for w in caught)


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
        self.config = self._load_config()
        self._api = None

    def __repr__(self) -> str:
        return f"Course({str(self.root)!r})"

    # --- nbgrader objects -------------------------------------------------------

    def _load_config(self):
        from traitlets.config.loader import PyFileConfigLoader
        path = self.root / CONFIG_FILE
        try:
            config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        except Exception as exc:  # noqa: BLE001 (a config file can raise anything)
            raise CourseError(f"{path}: could not be loaded ({type(exc).__name__}: {exc})") from None
        config.CourseDirectory.root = str(self.root)
        return config

    @property
    def api(self):
        """nbgrader's `NbGraderAPI` for this course (made once)."""
        if self._api is None:
            from nbgrader.apps.api import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory
            _tools_on_path()
            log = _quiet_logger()
            coursedir = CourseDirectory(config=self.config, log=log)
            self._api = NbGraderAPI(coursedir, config=self.config, log=log)
        return self._api

    def gradebook(self):
        """nbgrader's `Gradebook` of this course; use it as a context manager so it is closed."""
        from nbgrader.api import Gradebook
        return Gradebook(self.api.coursedir.db_url, self.api.coursedir.course_id)

    # --- paths ------------------------------------------------------------------

    def source_notebook(self, assignment: str) -> Path:
        return self.root / "source" / assignment / f"{assignment}.ipynb"

    def release_notebook(self, assignment: str) -> Path:
        return self.root / "release" / assignment / f"{assignment}.ipynb"

    def submission(self, student: str, assignment: str) -> Path:
        return self.root / "submitted" / student / assignment / f"{assignment}.ipynb"

    def submitted_students(self, assignment: str, pattern: str = "*") -> list[str]:
        """Ids of the students with a submission of `assignment` whose id matches the glob `pattern`."""
        students = self.api.get_submitted_students(assignment)
        return sorted(s for s in students if fnmatch.fnmatchcase(s, pattern))

    # --- operations -------------------------------------------------------------

    def release(self, assignment: str) -> None:
        """nbgrader generate_assignment: source/<assignment>/ -> release/<assignment>/ (also records it in the gradebook)."""
        source = self.source_notebook(assignment)
        if not source.parent.is_dir():
            raise CourseError(f"{source.parent}: no such assignment directory")
        result = self.api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"{source.parent}: generate_assignment failed: {_reason(result)}")

    def autograde(self, assignment: str, students: list[str] | None = None,
                  done: Callable[[Autograded], None] = lambda graded: None) -> list[Autograded]:
        """nbgrader autograde each student's submission in turn (default: every submission).

        A submission that fails is recorded as such (ok=False, with the reason) and the
        run goes on; `done` is called with each result as it comes.
        """
        students = self.submitted_students(assignment) if students is None else list(students)
        results = []
        for student in students:
            results.append(self.autograde_one(assignment, student))
            done(results[-1])
        return results

    def autograde_one(self, assignment: str, student: str) -> Autograded:
        """nbgrader autograde of one submission (kernel environment: grader.kernel_env); never raises for a bad one.

        What nbgrader logs and what the kernel writes to stderr go into Autograded.log, not the terminal.
        """
        from .kernel_env import kernel_env
        path = self.submission(student, assignment)
        if not path.parent.is_dir():
            return Autograded(student, False, f"{path.parent}: no submission")
        with _captured_stderr() as captured, kernel_env():
            try:
                result = self.api.autograde(assignment, student, force=True, create=True)
            except Exception as exc:  # noqa: BLE001 (one submission must not stop the run)
                result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
        log = result.get("log", "") + captured.text
        if not result["success"]:
            log += result.get("error", "")
            return Autograded(student, False, f"{path.parent}: {_reason(result)}", log)
        return Autograded(student, True, "", log)

    def feedback(self, assignment: str, students: list[str] | None = None) -> list[Path]:
        """autograded/*/<assignment>/ -> feedback/*/<assignment>/<notebook>.html, in nbgrader's layout.

        Written by grader.report.feedback rather than nbgrader's generate_feedback, whose
        pages show the source of hidden test cells; returns the pages written.
        """
        from .report import feedback
        return feedback.write(self, assignment, students)

    def add_students(self, ids) -> None:
        """Create (or keep) these student ids in the gradebook."""
        with self.gradebook() as gb:
            for student in ids:
                gb.update_or_create_student(student)

    def grades(self) -> list[dict]:
        """One dict per student per assignment in the gradebook, see `export_grades`."""
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

    def export_grades(self, path: Path | str | None = None) -> Path:
        """Write grades.csv (default: in the course root) from the gradebook.

        Columns: student, assignment, score, max_score, then one per graded test
        cell (its grade id, e.g. test_noisy_line). One row per student per
        assignment; a missing submission scores 0 with empty test-cell columns.
        The file is replaced only once it is completely written.
        """
        path = Path(path) if path is not None else self.root / "grades.csv"
        rows = self.grades()
        columns = ["student", "assignment", "score", "max_score"]
        for row in rows:
            columns += [key for key in row if key not in columns]
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
        try:
            replace_text(path, text.getvalue())
        except OSError as exc:
            raise CourseError(f"{path}: could not write grades ({exc.strerror or exc})") from None
        return path

    def test_cells(self, assignment: str) -> dict[str, float]:
        """grade id -> points of each graded test cell of `assignment`, in notebook order (from the gradebook)."""
        from nbgrader.api import MissingEntry
        with self.gradebook() as gb:
            try:
                record = gb.find_assignment(assignment)
            except MissingEntry:
                raise CourseError(f"{self.api.coursedir.db_url}: no assignment {assignment!r} "
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
            order = _grade_id_order(self.root / "source" / assignment.name / f"{notebook.name}.ipynb")
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
