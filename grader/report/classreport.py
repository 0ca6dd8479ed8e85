"""The class report for TAs: what the class as a whole got right and wrong on one assignment.

Numbers come from three places: scores from the gradebook (`Course.grades`,
the same as grades.csv), hints from the verdicts in the autograded notebooks,
and why a submission could not be graded from the autograde manifest
(`grader.autograde.manifest`). `build` gathers them into a `ClassReport`;
`write` puts it in report.html (with plots), report.csv and report.json.

A student counts as graded when autograded/<student>/<assignment>/ holds a
notebook whose grades are current: a notebook graded before the assignment's
tests changed, or whose grades are no longer in the gradebook, is stale
(`Manifest.stale`), listed apart and counted nowhere else. A submission in
submitted/ without an autograded notebook could not be graded.
"""
from __future__ import annotations

import csv
import io
import json
import os
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import nbformat

from ..files import replace_text
from . import feedback, markup, plots
from .disclosure import hint as lookup_hint
from .verdicts import exercise_of, read_cells

EPS = 1e-6


@dataclass(frozen=True)
class ExerciseMarks:
    """How the graded students did on one exercise (its visible and hidden test cells together)."""
    exercise: str
    max_points: float
    full: int
    partial: int
    none: int
    mean: float

    @property
    def students(self) -> int:
        return self.full + self.partial + self.none


@dataclass(frozen=True)
class Mistake:
    """A hint shown to some students: who, and in which exercises."""
    hint: str
    title: str
    students: list[str]
    exercises: list[str]


@dataclass(frozen=True)
class Ungraded:
    student: str
    reason: str


@dataclass
class ClassReport:
    assignment: str
    max_score: float
    scores: dict[str, float]                       # graded student -> total score (gradebook)
    exercises: list[ExerciseMarks]
    mistakes: list[Mistake]                        # most frequent first
    ungraded: list[Ungraded]
    feedback: dict[str, str] = field(default_factory=dict)   # graded student -> link to the feedback page
    stale: list[Ungraded] = field(default_factory=list)      # autograded notebooks whose grades are stale, and why

    @property
    def graded(self) -> int:
        return len(self.scores)

    def summary(self) -> dict[str, float | int | None]:
        values = list(self.scores.values())
        return {"graded": len(values), "ungraded": len(self.ungraded), "stale": len(self.stale),
                "max_score": self.max_score,
                "mean": round(statistics.fmean(values), 3) if values else None,
                "median": round(statistics.median(values), 3) if values else None,
                "min": min(values) if values else None, "max": max(values) if values else None}

    def to_json(self) -> dict:
        return {"assignment": self.assignment, "summary": self.summary(), "scores": self.scores,
                "exercises": [asdict(e) for e in self.exercises], "mistakes": [asdict(m) for m in self.mistakes],
                "ungraded": [asdict(u) for u in self.ungraded], "stale": [asdict(u) for u in self.stale],
                "feedback": self.feedback}

    def to_rows(self) -> list[tuple[str, str, str, object]]:
        """The same numbers as (section, name, measure, value) rows, for report.csv."""
        rows = [("summary", self.assignment, k, v) for k, v in self.summary().items()]
        rows += [("score", s, "points", v) for s, v in self.scores.items()]
        for e in self.exercises:
            rows += [("exercise", e.exercise, k, getattr(e, k))
                     for k in ("max_points", "full", "partial", "none", "mean")]
        for m in self.mistakes:
            rows += [("mistake", m.hint, "students", len(m.students)),
                     ("mistake", m.hint, "exercises", " ".join(m.exercises))]
        rows += [("ungraded", u.student, "reason", u.reason) for u in self.ungraded]
        rows += [("stale", u.student, "reason", u.reason) for u in self.stale]
        return rows


# --- gathering --------------------------------------------------------------------

def build(course, assignment: str, links_from: Path | None = None) -> ClassReport:
    """The report of `assignment`; feedback links are relative to the folder `links_from` (default: none)."""
    from ..autograde.manifest import Manifest
    autograded = feedback.graded_students(course, assignment)
    try:
        manifest, unreadable = Manifest(course, assignment), ""
    except ValueError as err:                      # an unreadable manifest: say so rather than fail
        manifest, unreadable = None, str(err)
    stale = manifest.stale_among(autograded) if manifest is not None else {}
    graded = [s for s in autograded if s not in stale]
    rows = {r["student"]: r for r in course.grades() if r["assignment"] == assignment}
    cells = course.test_cells(assignment)
    scores = {s: float(rows[s]["score"]) if s in rows else 0.0 for s in graded}
    max_score = float(sum(cells.values()))
    exercises = _exercise_marks(graded, rows, cells)
    mistakes = _mistakes(course, assignment, graded)
    links = {}
    if links_from is not None:
        links = {s: quote(os.path.relpath(feedback.page_path(course, s, assignment), links_from).replace(os.sep, "/"))
                 for s in graded}
    return ClassReport(assignment, max_score, scores, exercises, mistakes,
                       ungraded(course, assignment, autograded, manifest, unreadable), links,
                       [Ungraded(s, why) for s, why in stale.items()])


def _exercise_marks(students: list[str], rows: dict, cells: dict[str, float]) -> list[ExerciseMarks]:
    by_exercise: dict[str, list[str]] = {}
    for grade_id in cells:
        by_exercise.setdefault(exercise_of(grade_id), []).append(grade_id)
    out = []
    for exercise, ids in by_exercise.items():
        top = sum(cells[i] for i in ids)
        got = [sum(float(rows.get(s, {}).get(i) or 0.0) for i in ids) for s in students]
        full = sum(g >= top - EPS for g in got)
        none = sum(g <= EPS < top for g in got)
        out.append(ExerciseMarks(exercise, top, full, len(got) - full - none, none,
                                 round(statistics.fmean(got), 3) if got else 0.0))
    return out


def _mistakes(course, assignment: str, students: list[str]) -> list[Mistake]:
    """Hints of the failed checks, with the students shown each; most students first, then by title."""
    who: dict[str, dict[str, None]] = {}
    where: dict[str, dict[str, None]] = {}
    for student in students:
        for notebook in sorted(course.layout.autograded(student, assignment).glob("*.ipynb")):
            for cell in read_cells(nbformat.read(str(notebook), as_version=4)):
                for hint_id in cell.hint_ids:
                    who.setdefault(hint_id, {})[student] = None
                    where.setdefault(hint_id, {})[cell.exercise] = None
    mistakes = [Mistake(h, lookup_hint(h).title, sorted(who[h]), list(where[h])) for h in who]
    return sorted(mistakes, key=lambda m: (-len(m.students), m.title))


def ungraded(course, assignment: str, autograded: list[str], manifest, unreadable: str = "") -> list[Ungraded]:
    """Submissions in submitted/ without an autograded notebook, with the reason the manifest recorded
    (`manifest`: a grader.autograde.manifest.Manifest, or None with why it could not be read)."""
    entries = manifest.entries if manifest is not None else {}
    out = []
    for student in course.layout.students("submitted", assignment):
        if student in autograded:
            continue
        entry = entries.get(student)
        if unreadable:
            reason = unreadable
        elif entry is None:
            reason = "not autograded yet (no autograded notebook, no entry in the autograde manifest)"
        elif entry.get("ok"):
            reason = "graded once, but its autograded notebook is gone"
        else:
            reason = str(entry.get("reason") or "failed without a reason")
        out.append(Ungraded(student, reason.replace(str(course.root) + os.sep, "")))
    return out


# --- writing ----------------------------------------------------------------------

def default_dir(course, assignment: str) -> Path:
    return course.root / "reports" / assignment


def html(report: ClassReport) -> str:
    """report.html: numbers, tables and plots in one self-contained page."""
    histogram = plots.score_histogram(list(report.scores.values()), report.max_score)
    marks = plots.exercise_marks([(e.exercise, e.full, e.partial, e.none) for e in report.exercises])
    hints = {m.hint: lookup_hint(m.hint) for m in report.mistakes}
    return markup.render("report.html.j2", report=report, summary=report.summary(), histogram=histogram,
                         marks=marks, hints=hints)


def write(course, assignment: str, out: Path | str | None = None) -> dict[str, Path]:
    """Write report.html, report.csv and report.json to `out` (default reports/<assignment>/); returns their paths."""
    out = Path(out) if out is not None else default_dir(course, assignment)
    out.mkdir(parents=True, exist_ok=True)
    report = build(course, assignment, links_from=out.resolve())
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["section", "name", "measure", "value"])
    writer.writerows(report.to_rows())
    files = {"html": html(report), "csv": text.getvalue(),
             "json": json.dumps(report.to_json(), indent=1) + "\n"}
    paths = {}
    for kind, content in files.items():
        paths[kind] = replace_text(out / f"report.{kind}", content)
    return paths
