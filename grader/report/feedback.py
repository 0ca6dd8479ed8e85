"""Per-student feedback pages that teach without leaking hidden tests.

A page is the student's autograded notebook: markdown and code cells as they
wrote and ran them, and in place of each test cell a panel with its points,
each check PASS or FAIL, and the hint for each failure. Test cells never show
their source or their raw outputs, only what `disclosure` allows of the verdict
they displayed (for hidden tests: verdict and hint, never code or inputs).

Pages go where nbgrader's generate_feedback puts them,
feedback/<student>/<assignment>/<notebook>.html, with the submission's
timestamp.txt and submission_secret.txt when it has them, so that
`nbgrader release_feedback` works. A page is one self-contained HTML file.
"""
from __future__ import annotations

import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import nbformat

from ..errors import CourseError
from ..files import replace_text
from . import markup
from .disclosure import AFTER_HIDDEN_NOTE, PanelView, SubmittedOutputs, student_view
from .verdicts import is_test_cell, nbgrader_meta, read_cell, source_of

# What nbgrader's release_feedback and fetch_feedback read next to the page.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


@dataclass(frozen=True)
class ExerciseRow:
    """One line of the summary table: an exercise's visible and hidden panels."""
    exercise: str
    visible: PanelView | None
    hidden: PanelView | None

    @property
    def panels(self) -> list[PanelView]:
        return [p for p in (self.visible, self.hidden) if p is not None]

    @property
    def score(self) -> float:
        return sum(p.score for p in self.panels)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.panels)

    @property
    def outcome(self) -> str:
        return outcome_of(self.score, self.max_points)

    @property
    def anchor(self) -> str:
        return self.panels[0].grade_id


def outcome_of(score: float, max_points: float) -> str:
    """'full marks', 'partial marks' or 'no marks' (1e-6 tolerance)."""
    if score >= max_points - 1e-6:
        return "full marks"
    return "no marks" if score <= 1e-6 else "partial marks"


def page(nb: Mapping, student: str, assignment: str, recorded: Mapping[str, float] | None = None,
         submitted: Mapping | None = None) -> str:
    """The feedback page of one autograded notebook (a dict or nbformat node) as HTML.

    recorded: grade id -> score in the gradebook; a cell without one shows its verdict's score.
    submitted: the notebook as submitted; code cells after the first hidden test show its outputs
    (see grader.report.disclosure), not the ones they printed while graded.
    """
    recorded = recorded or {}
    as_submitted = SubmittedOutputs(submitted)
    after_hidden = False
    md = markup.Markdown(shift=1)
    items, rows = [], {}
    for cell in nb.get("cells", []):
        kind = cell.get("cell_type")
        if is_test_cell(cell):
            test = read_cell(cell)
            panel = student_view(test, recorded.get(test.grade_id))
            items.append({"kind": "panel", "panel": panel, "level": min(6, md.last_level + 1)})
            row = rows.setdefault(panel.exercise, {"visible": None, "hidden": None})
            row[panel.part] = panel
            after_hidden = after_hidden or test.hidden
        elif kind == "markdown":
            items.append({"kind": "markdown", "html": md(source_of(cell))})
        elif kind == "code":
            shown = cell.get("outputs", [])
            if after_hidden:
                note = {"output_type": "stream", "name": "stdout", "text": AFTER_HIDDEN_NOTE}
                shown = [note, *as_submitted.take(cell)]
            outputs = [html for html in map(markup.output, shown) if html is not None]
            items.append({"kind": "code", "html": markup.code(source_of(cell)), "outputs": outputs,
                          "answer": bool(nbgrader_meta(cell).get("solution"))})
        elif kind == "raw":
            items.append({"kind": "raw", "text": source_of(cell)})
    summary = [ExerciseRow(name, row["visible"], row["hidden"]) for name, row in rows.items()]
    return markup.render("feedback.html.j2", student=student, assignment=assignment, items=items,
                         summary=summary, score=sum(r.score for r in summary),
                         max_score=sum(r.max_points for r in summary))


# --- a course's feedback/ -------------------------------------------------------------

def graded_students(course, assignment: str, pattern: str = "*") -> list[str]:
    """Students with an autograded notebook of `assignment`, whose id matches the glob `pattern`."""
    return [s for s in course.layout.students("autograded", assignment)
            if fnmatch.fnmatchcase(s, pattern) and any(course.layout.autograded(s, assignment).glob("*.ipynb"))]


def page_path(course, student: str, assignment: str, notebook: str = "") -> Path:
    """feedback/<student>/<assignment>/<notebook>.html (notebook defaults to the assignment's name)."""
    return course.layout.feedback(student, assignment) / f"{notebook or assignment}.html"


def recorded_scores(course, assignment: str) -> dict[str, dict[str, float]]:
    """student -> test cell's grade id -> score in the gradebook (cells without a score left out)."""
    cells = course.test_cells(assignment)
    return {row["student"]: {k: row[k] for k in cells if row.get(k, "") != ""}
            for row in course.grades() if row["assignment"] == assignment}


def _submitted(path: Path) -> dict | None:
    """The submitted notebook at `path`, or None when there is none readable (its outputs are then not shown)."""
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError):
        return None


def write(course, assignment: str, students: list[str] | None = None) -> list[Path]:
    """Write the feedback pages of `students` (default: every autograded one); returns the pages written."""
    students = graded_students(course, assignment) if students is None else students
    scores = recorded_scores(course, assignment)
    written = []
    for student in students:
        source = course.layout.autograded(student, assignment)
        for notebook in sorted(source.glob("*.ipynb")):
            try:
                nb = nbformat.read(str(notebook), as_version=4)
            except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds)
                raise CourseError(f"{notebook}: not a readable notebook ({exc})") from None
            html = page(nb, student, assignment, scores.get(student, {}),
                        _submitted(course.layout.submitted(student, assignment) / notebook.name))
            page_file = page_path(course, student, assignment, notebook.stem)
            page_file.parent.mkdir(parents=True, exist_ok=True)
            written.append(replace_text(page_file, html, mode=0o644))
        for name in EXCHANGE_FILES:
            if (source / name).is_file():
                shutil.copy(source / name, page_path(course, student, assignment).parent / name)
    return written
