"""Descriptions checked when they load: every name a description writes must exist.

A description names other things by strings: checks it requires, probes, oracles, hint ids,
and it gives the points of its two test cells, which nbgrader also keeps in the source
notebook. A typo there used to be accepted and silently ignored (`requires=("value",)` never
blocked anything). `problems` lists what is wrong, each line naming the assignment, the
exercise and the field; `grader.exercises.load` raises `DescriptionError` with them.

Points have one source, the description: it ships with the package, so every path that grades a
cell (a student's self-check, which has no source notebook, as well as the autograder) shares out
the same points. nbgrader keeps its own copy in each test cell's metadata (`points`), which it
needs to release and to record grades; that copy is compared cell by cell with the description
whenever the instructor half loads beside the course's source notebook.
"""
from __future__ import annotations

import difflib
import json
from pathlib import Path

from .. import hints
from .spec import Assignment, Exercise


class DescriptionError(ValueError):
    """An exercise description names something that does not exist, or disagrees with its notebook."""


def problems(assignment: Assignment, notebook: Path | None = None) -> list[str]:
    """What is wrong with the descriptions of `assignment`, one line each ([] when nothing is).

    The hidden checks, oracles and corpus are looked at when the instructor half is joined;
    `notebook`: the source notebook whose test cells' points must equal the description's.
    """
    found = []
    for exercise in assignment.exercises:
        where = f"{assignment.name}/{exercise.name}"
        parts = ("visible", "hidden") if exercise.instructor is not None else ("visible",)
        for part in parts:
            found += _part_problems(where, exercise, part)
        if exercise.instructor is not None:
            found += _corpus_problems(where, exercise)
    if notebook is not None:
        found += points_problems(assignment, notebook)
    return found


def _part_problems(where: str, exercise: Exercise, part: str) -> list[str]:
    checks = exercise.part(part).checks
    names = [c.name for c in checks]
    listed = ", ".join(names)
    found = [f"{where}: {part} checks: {names.count(n)} checks named {n!r} (check names must differ in a part; "
             f"checks: {listed})" for n in sorted(set(names)) if names.count(n) > 1]
    probes = ["output", *exercise.probes]
    oracles = list(exercise.instructor.oracles) if exercise.instructor is not None else None
    for i, check in enumerate(checks):
        field = f"{where}: {part} check {check.name!r}"
        for required in check.requires:
            if required not in names:
                found.append(f"{field}: requires={check.requires!r}: no check named {required!r} in this part "
                             f"(checks: {listed})")
            elif required not in names[:i]:
                found.append(f"{field}: requires={check.requires!r}: {required!r} comes after it "
                             f"(a check can require only the checks before it; checks: {listed})")
        for attribute in ("probe", "diagnosed_on"):
            probe = getattr(check, attribute)
            if probe is not None and probe not in probes and (attribute == "probe" or probe != check.probe):
                found.append(f"{field}: {attribute}={probe!r}: the exercise defines no probe {probe!r} "
                             f"(probes: {', '.join(probes)})")
        if check.oracle is not None and oracles is not None and check.oracle not in oracles:
            found.append(f"{field}: oracle={check.oracle!r}: the instructor half defines no oracle "
                         f"{check.oracle!r} (oracles: {', '.join(oracles) or 'none'})")
        found += [f"{field}: hint {h!r}: {_unknown_hint(h)}" for h in check.hints if h not in hints.CATALOGUE]
    return found


def _corpus_problems(where: str, exercise: Exercise) -> list[str]:
    found = []
    for kind, snippets in (("mistakes", exercise.mistakes), ("alternatives", exercise.alternatives)):
        for i, snippet in enumerate(snippets):
            if snippet.hint is not None and snippet.hint not in hints.CATALOGUE:
                found.append(f"{where}: {kind}[{i}] ({snippet.note or 'no note'}): hint {snippet.hint!r}: "
                             f"{_unknown_hint(snippet.hint)}")
    return found


def _unknown_hint(hint_id: str) -> str:
    close = difflib.get_close_matches(hint_id, hints.CATALOGUE, n=3)
    return "not in the catalogue of hints (grader.hints)" + (f"; did you mean {', '.join(close)}?" if close else "")


def notebook_points(notebook: Path) -> dict[str, float]:
    """grade id -> points of every graded cell of a notebook (nbgrader's cell metadata)."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in cells]
    return {m["grade_id"]: float(m.get("points", 0)) for m in meta if m.get("grade") and "grade_id" in m}


def points_problems(assignment: Assignment, notebook: Path) -> list[str]:
    """Test cells whose points in `notebook` differ from the description's, or that are missing, one line each."""
    points = notebook_points(notebook)
    found = []
    for exercise in assignment.exercises:
        for part in ("visible", "hidden"):
            cell = exercise.grade_ids[part]
            described = exercise.part(part).points
            fix = f"`grader scaffold {assignment.name} {exercise.name}`"
            if cell not in points:
                found.append(f"{assignment.name}/{exercise.name}: {part}=Part({described:g}): no test cell "
                             f"{cell!r} in {notebook} ({fix} adds it)")
            elif points[cell] != described:
                found.append(f"{assignment.name}/{exercise.name}: {part}=Part({described:g}): cell {cell!r} of "
                             f"{notebook} has points {points[cell]:g} (the description is the source of points: "
                             f"{fix} sets the cell's to {described:g})")
    return found
