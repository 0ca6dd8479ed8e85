"""How well the tests tell right from wrong: every exercise against its corpus.

Each exercise keeps, next to its description, typical mistakes (each with the
hint it must be shown) and different but correct implementations. The audit
grades every corpus entry and counts:

- a mistake is *caught* when it loses at least one point and its hint is shown;
- an alternative is *accepted* when it keeps full marks;
- a mistake marked as a known gap (`Snippet.gap`, with the reason) is counted apart.

Two paths: `audit_checks` calls the checks directly (seconds); `audit_autograde`
builds one submission per entry (the solution notebook with just that function
replaced) and grades them through the real autograding path, as students are.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from . import exercises
from .checks import grade, snippets
from .protocol import verdict_of


@dataclass(frozen=True)
class Entry:
    """One corpus entry of one exercise, and what grading it gave."""
    assignment: str
    exercise: str
    kind: str            # "mistake" or "alternative"
    index: int
    note: str
    expected_hint: str | None
    lost: float          # points lost over both test cells
    hints: tuple[str, ...]
    gap: str = ""        # for a mistake the checks are known not to catch: why

    @property
    def ok(self) -> bool:
        if self.kind == "alternative":
            return self.lost < 1e-9
        return self.lost > 0 and self.expected_hint in self.hints

    @property
    def student_id(self) -> str:
        return f"audit-{self.exercise}-{self.kind}-{self.index}"


@dataclass
class Summary:
    """Counts per exercise (and in total) of an audit."""
    entries: list[Entry] = field(default_factory=list)

    def counts(self, entries=None) -> dict[str, int]:
        entries = self.entries if entries is None else entries
        mistakes = [e for e in entries if e.kind == "mistake" and not e.gap]
        alternatives = [e for e in entries if e.kind == "alternative"]
        return {"mistakes": len(mistakes), "caught": sum(e.ok for e in mistakes),
                "alternatives": len(alternatives), "accepted": sum(e.ok for e in alternatives),
                "gaps": sum(1 for e in entries if e.kind == "mistake" and e.gap)}

    @property
    def failures(self) -> list[Entry]:
        return [e for e in self.entries if not e.ok and not e.gap]

    def line(self) -> str:
        c = self.counts()
        return (f"mistakes caught: {c['caught']}/{c['mistakes']}, alternatives accepted: "
                f"{c['accepted']}/{c['alternatives']}, known gaps: {c['gaps']}")


def corpus(assignment: str, exercise_names: set[str] | None = None):
    """(exercise, kind, index, snippet) for every corpus entry of an assignment (of the named exercises)."""
    spec = exercises.load(assignment, instructor=True)
    for name in exercise_names or ():
        spec[name]                          # a KeyError naming the known exercises
    for exercise in spec.exercises:
        if exercise_names and exercise.name not in exercise_names:
            continue
        for kind, entries in (("mistake", exercise.mistakes), ("alternative", exercise.alternatives)):
            for index, snippet in enumerate(entries):
                yield exercise, kind, index, snippet


@functools.lru_cache(maxsize=None)
def _solution_namespace(assignment: str) -> dict:
    """The source solutions' names: the other functions of the notebook an entry is graded in."""
    from . import material
    from .reference import solutions, source_notebook
    return solutions.load(source_notebook(material.instructor_dir().parent, assignment))


def entry_verdicts(assignment: str, exercise, snippet) -> list:
    """The fast path's verdicts of both test cells (visible, hidden) for one corpus entry's function,
    graded beside the solutions of the notebook's other functions."""
    fn = snippets.function(exercise.name, snippet.code)
    namespace = {**_solution_namespace(assignment), exercise.name: fn}
    return [grade(assignment, exercise.name, part, fn=fn, namespace=namespace) for part in ("visible", "hidden")]


def entry_of(assignment: str, exercise, kind: str, index: int, snippet, verdicts) -> Entry:
    """The Entry (points lost, hints shown) of a corpus entry graded with `verdicts` (Verdict.to_dict()s)."""
    verdicts = [v if isinstance(v, dict) else v.to_dict() for v in verdicts]
    lost = sum(v["max_points"] - v["score"] for v in verdicts)
    hints = tuple(h for v in verdicts for h in v["hints"])
    return Entry(assignment, exercise.name, kind, index, snippet.note,
                 snippet.hint if kind == "mistake" else None, round(lost, 6), hints, snippet.gap)


def check_entry(assignment: str, exercise, kind: str, index: int, snippet) -> Entry:
    """The fast path for one entry: its function graded by the checks directly, both test cells."""
    return entry_of(assignment, exercise, kind, index, snippet, entry_verdicts(assignment, exercise, snippet))


def audit_checks(assignment: str, exercise_names: set[str] | None = None) -> Summary:
    """The fast path over the whole corpus of an assignment (or of the named exercises)."""
    return Summary([check_entry(assignment, *entry) for entry in corpus(assignment, exercise_names)])


def audit_autograde(course, assignment: str, only: set[tuple[str, str, int]] | None = None,
                    workers: int | None = None, exercise_names: set[str] | None = None) -> Summary:
    """The real path: one submission per entry under submitted/audit-*/, autograded, read back.

    only: (exercise, kind, index) of the entries to grade (default all); exercise_names: only
    the entries of these exercises.
    """
    import nbformat

    from . import demo
    from .autograde import autograde

    release_nb = nbformat.read(str(course.release_notebook(assignment)), as_version=4)
    solution_of = demo.solutions(course.source_notebook(assignment))
    planned = []
    for exercise, kind, index, snippet in corpus(assignment, exercise_names):
        if only is not None and (exercise.name, kind, index) not in only:
            continue
        entry = Entry(assignment, exercise.name, kind, index, snippet.note,
                      snippet.hint if kind == "mistake" else None, 0.0, (), snippet.gap)
        path = course.submission(entry.student_id, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        student = demo.Student(entry.student_id, entry.note, assignment=assignment,
                               answers={exercise.name: lambda _exercise, _solution, code=snippet.code: code})
        nbformat.write(demo.workbook(release_nb, student, solution_of), str(path))
        planned.append((exercise, entry))
    ids = [entry.student_id for _, entry in planned]
    course.add_students(ids)
    outcomes = {o.student: o for o in autograde(course, assignment, ids, workers=workers, force=True)}
    summary = Summary()
    for exercise, entry in planned:
        path = course.layout.autograded(entry.student_id, assignment) / f"{assignment}.ipynb"
        lost, hints = _read_cells(path, exercise) if outcomes[entry.student_id].ok else (exercise.points, ())
        summary.entries.append(Entry(entry.assignment, entry.exercise, entry.kind, entry.index, entry.note,
                                     entry.expected_hint, round(lost, 6), hints, entry.gap))
    return summary


def _read_cells(path, exercise) -> tuple[float, tuple[str, ...]]:
    """(points lost, hints shown) in the exercise's two test cells of an autograded notebook."""
    import nbformat
    from nbgrader.utils import determine_grade

    nb = nbformat.read(str(path), as_version=4)
    lost, hints = 0.0, []
    wanted = {exercise.grade_ids["visible"], exercise.grade_ids["hidden"]}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") not in wanted:
            continue
        score, max_score = determine_grade(cell)
        lost += max_score - (score or 0.0)
        hints += (verdict_of(cell) or {}).get("hints", [])
        hints += ["error:" + re.sub(r"\W+", "_", output.get("ename", ""))
                  for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    return lost, tuple(hints)


def table(summary: Summary):
    """A rich table: per exercise, mistakes caught and alternatives accepted; then what slipped through."""
    from rich.table import Table
    t = Table(title="audit: every exercise against its corpus")
    for column in ("assignment", "exercise", "mistakes caught", "alternatives accepted", "known gaps"):
        t.add_column(column, justify="left" if column in ("assignment", "exercise") else "right")
    seen = dict.fromkeys((e.assignment, e.exercise) for e in summary.entries)
    for assignment, name in seen:
        c = summary.counts([e for e in summary.entries if (e.assignment, e.exercise) == (assignment, name)])
        mark = "" if c["caught"] == c["mistakes"] and c["accepted"] == c["alternatives"] else " ✗"
        t.add_row(assignment, name, f"{c['caught']}/{c['mistakes']}{mark}",
                  f"{c['accepted']}/{c['alternatives']}", str(c["gaps"]))
    return t


def describe_failure(entry: Entry) -> str:
    if entry.kind == "alternative":
        return (f"{entry.assignment}/{entry.exercise} alternative {entry.index} ({entry.note}): "
                f"lost {entry.lost:g} points, hints {list(entry.hints)}")
    return (f"{entry.assignment}/{entry.exercise} mistake {entry.index} ({entry.note}): lost {entry.lost:g} "
            f"points, expected hint {entry.expected_hint}, shown {list(entry.hints)}")


def scratch_course(course, assignments: list[str]):
    """A context manager: a temporary copy of the course (its config and the assignments' source/) to grade
    the audit in, so that the real course's release/, gradebook and submitted/ are left alone."""
    import contextlib
    import shutil
    import tempfile
    from pathlib import Path

    from .course import CONFIG_FILE, Course

    @contextlib.contextmanager
    def scratch():
        with tempfile.TemporaryDirectory(prefix="grader-audit-") as tmp:
            copy = Path(tmp) / "course"
            copy.mkdir()
            shutil.copy(course.root / CONFIG_FILE, copy)
            for assignment in assignments:
                source = course.layout.source(assignment)
                shutil.copytree(source, copy / source.relative_to(course.root))
            yield Course(copy)
    return scratch()
