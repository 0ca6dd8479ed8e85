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
submitted/ without an autograded notebook could not be graded. A blank
submission (every graded function still raises NotImplementedError) is counted
apart too: it is in the grid, and in no mean, share or list of mistakes.

For drilling down: a student x exercise grid of points (with links to each
student's feedback page, submitted and autograded notebook), per exercise the
students failing each kind of check (values, gradient, jit, keys ...: the check
names of the verdicts), and the exercises each student left not implemented.
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
NOT_IMPLEMENTED = "not_implemented"       # the hint of a function that still raises NotImplementedError


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
class CheckFailures:
    """Of the counted students, who failed each check of one exercise (visible or hidden cell)."""
    exercise: str
    students: int                                  # counted students (graded, not blank)
    failing: dict[str, list[str]]                  # check name -> students failing it; every check of the exercise


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
    blank: list[str] = field(default_factory=list)           # graded students who implemented nothing
    grid: dict[str, dict[str, float]] = field(default_factory=dict)   # graded student -> exercise -> points
    checks: list[CheckFailures] = field(default_factory=list)
    not_implemented: dict[str, list[str]] = field(default_factory=dict)   # counted student -> exercises
    files: dict[str, dict[str, str]] = field(default_factory=dict)   # graded student -> {"submitted", "autograded"} links

    @property
    def graded(self) -> int:
        return len(self.scores)

    def summary(self) -> dict[str, float | int | None]:
        values = list(self.scores.values())
        return {"graded": len(values), "blank": len(self.blank), "ungraded": len(self.ungraded),
                "stale": len(self.stale),
                "max_score": self.max_score,
                "mean": round(statistics.fmean(values), 3) if values else None,
                "median": round(statistics.median(values), 3) if values else None,
                "min": min(values) if values else None, "max": max(values) if values else None}

    def to_json(self) -> dict:
        return {"assignment": self.assignment, "summary": self.summary(), "scores": self.scores,
                "exercises": [asdict(e) for e in self.exercises], "mistakes": [asdict(m) for m in self.mistakes],
                "ungraded": [asdict(u) for u in self.ungraded], "stale": [asdict(u) for u in self.stale],
                "feedback": self.feedback, "blank": self.blank, "grid": self.grid,
                "checks": [asdict(c) for c in self.checks], "not_implemented": self.not_implemented,
                "files": self.files}

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
        rows += [("blank", s, "points", sum(self.grid.get(s, {}).values())) for s in self.blank]
        rows += [("grid", f"{s} {e}", "points", v) for s, marks in self.grid.items() for e, v in marks.items()]
        rows += [("check", f"{c.exercise} {name}", "failing", len(who)) for c in self.checks
                 for name, who in c.failing.items()]
        rows += [("not_implemented", s, "exercises", " ".join(es)) for s, es in self.not_implemented.items()]
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
    verdicts = {s: _test_cells(course, assignment, s) for s in graded}
    blank = [s for s in graded if _is_blank(verdicts[s])]
    counted = [s for s in graded if s not in blank]
    scores = {s: float(rows[s]["score"]) if s in rows else 0.0 for s in counted}
    max_score = float(sum(cells.values()))
    exercises = _exercise_marks(counted, rows, cells)
    mistakes = _mistakes({s: verdicts[s] for s in counted})
    links, files = {}, {}
    if links_from is not None:
        links = {s: _link(feedback.page_path(course, s, assignment), links_from) for s in graded}
        files = {s: {"submitted": _link(course.submission(s, assignment), links_from),
                     "autograded": _link(course.layout.autograded(s, assignment) / f"{assignment}.ipynb", links_from)}
                 for s in graded}
    return ClassReport(assignment, max_score, scores, exercises, mistakes,
                       ungraded(course, assignment, autograded, manifest, unreadable), links,
                       [Ungraded(s, why) for s, why in stale.items()], blank,
                       _grid(graded, rows, cells), _check_failures(counted, verdicts, cells),
                       _not_implemented(counted, verdicts), files)


def _link(path: Path, links_from: Path) -> str:
    return quote(os.path.relpath(path, links_from).replace(os.sep, "/"))


def _test_cells(course, assignment: str, student: str) -> list:
    """The graded test cells (grader.report.verdicts.TestCell) of a student's autograded notebooks."""
    return [cell for notebook in sorted(course.layout.autograded(student, assignment).glob("*.ipynb"))
            for cell in read_cells(nbformat.read(str(notebook), as_version=4))]


def _is_blank(cells: list) -> bool:
    """Every test cell showed a verdict naming only NotImplementedError, and scored nothing."""
    return bool(cells) and all(c.verdict is not None and c.hint_ids == [NOT_IMPLEMENTED]
                               and not c.verdict.get("score") for c in cells)


def _by_exercise(cells: dict[str, float]) -> dict[str, list[str]]:
    """exercise -> the grade ids of its test cells (visible and hidden), in notebook order."""
    out: dict[str, list[str]] = {}
    for grade_id in cells:
        out.setdefault(exercise_of(grade_id), []).append(grade_id)
    return out


def _earned(rows: dict, student: str, grade_ids: list[str]) -> float:
    """Points the gradebook gives `student` over these test cells (0 where it has none)."""
    return sum(float(rows.get(student, {}).get(i) or 0.0) for i in grade_ids)


def _grid(students: list[str], rows: dict, cells: dict[str, float]) -> dict[str, dict[str, float]]:
    """student -> exercise -> points earned (visible and hidden cells together), from the gradebook."""
    by_exercise = _by_exercise(cells)
    return {s: {e: round(_earned(rows, s, ids), 3) for e, ids in by_exercise.items()} for s in students}


def _check_failures(students: list[str], verdicts: dict[str, list], cells: dict[str, float]) -> list[CheckFailures]:
    """Per exercise (in notebook order), every check its verdicts ran, with the students failing it."""
    failing: dict[str, dict[str, dict[str, None]]] = {e: {} for e in _by_exercise(cells)}
    for student in students:
        for cell in verdicts[student]:
            for result in (cell.verdict or {}).get("results", []):
                who = failing.setdefault(cell.exercise, {}).setdefault(result["name"], {})
                if result.get("assessed", True) and not result["passed"]:
                    who[student] = None
    return [CheckFailures(e, len(students), {name: sorted(who) for name, who in
                                             sorted(checks.items(), key=lambda item: (-len(item[1]), item[0]))})
            for e, checks in failing.items()]


def _not_implemented(students: list[str], verdicts: dict[str, list]) -> dict[str, list[str]]:
    """student -> the exercises whose function still raises NotImplementedError (students with any)."""
    out = {}
    for student in students:
        exercises = list(dict.fromkeys(c.exercise for c in verdicts[student] if NOT_IMPLEMENTED in c.hint_ids))
        if exercises:
            out[student] = exercises
    return out


def _exercise_marks(students: list[str], rows: dict, cells: dict[str, float]) -> list[ExerciseMarks]:
    out = []
    for exercise, ids in _by_exercise(cells).items():
        top = sum(cells[i] for i in ids)
        got = [_earned(rows, s, ids) for s in students]
        full = sum(g >= top - EPS for g in got)
        none = sum(g <= EPS < top for g in got)
        out.append(ExerciseMarks(exercise, top, full, len(got) - full - none, none,
                                 round(statistics.fmean(got), 3) if got else 0.0))
    return out


def _mistakes(verdicts: dict[str, list]) -> list[Mistake]:
    """Hints of the failed checks (but "not implemented", listed per student apart), with the students shown
    each; most students first, then by title. `verdicts`: student -> test cells."""
    who: dict[str, dict[str, None]] = {}
    where: dict[str, dict[str, None]] = {}
    for student, cells in verdicts.items():
        for cell in cells:
            for hint_id in cell.hint_ids:
                if hint_id == NOT_IMPLEMENTED:
                    continue
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
