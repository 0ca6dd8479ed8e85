"""What the gradebook recorded of a released assignment, and which changes to it nbgrader accepts.

`nbgrader generate_assignment` records each notebook's cells in the gradebook: its grade cells
(with their points), solution cells, task cells and source cells (the text of every graded,
solution, task or read-only cell). Grades hang on these records. Once students have submitted,
nbgrader refuses a release that adds or removes a notebook, or a cell of any of these kinds
(a cell whose kind changes, a test becoming an answer say, is one removed and one added); it
accepts every other change: text, a test's code, points, the answer stubs.

`refused_changes` finds out, before nbgrader runs, what it would refuse; `fingerprint` sums up
everything of the record that grading uses (what `nbgrader autograde` restores test cells from).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import CourseError

# One notebook's record: grade id -> the kinds nbgrader records it as ("grade", "solution", "task", "source").
Cells = dict[str, frozenset[str]]


def kind(roles: frozenset[str]) -> str:
    """A cell's kind in words, from the roles nbgrader records it with."""
    if "task" in roles:
        return "a task"
    if {"grade", "solution"} <= roles:
        return "a graded answer"
    if "solution" in roles:
        return "an answer"
    if "grade" in roles:
        return "a graded test"
    return "a read-only cell"


def in_gradebook(notebook) -> Cells:
    """The cells the gradebook recorded for one notebook (an nbgrader.api.Notebook)."""
    roles: dict[str, set[str]] = {}
    for role, cells in (("grade", notebook.grade_cells), ("solution", notebook.solution_cells),
                        ("task", notebook.task_cells), ("source", notebook.source_cells)):
        for cell in cells:
            roles.setdefault(cell.name, set()).add(role)
    return {name: frozenset(r) for name, r in roles.items()}


def in_source(path: Path, config) -> Cells:
    """The cells a release of the source notebook at `path` would record (cells as nbgrader's LockCells
    leaves them; a cell without a grade id is left to nbgrader's own check to report)."""
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import LockCells
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds)
        raise CourseError(f"{path}: not a readable notebook ({exc})") from None
    nb, _ = LockCells(config=config).preprocess(nb, {})
    cells: Cells = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        roles = {role for role, has in (("grade", utils.is_grade), ("solution", utils.is_solution),
                                        ("task", utils.is_task)) if has(cell)}
        if grade_id and (roles or utils.is_locked(cell)):
            cells[grade_id] = frozenset(roles | {"source"})
    return cells


def refused_changes(gradebook, assignment: str, notebooks: list[Path], config) -> list[str]:
    """What nbgrader would refuse in releasing `notebooks` (the source notebooks of `assignment`), one line
    per notebook or cell: [] when the assignment has no submissions or the change keeps its cells."""
    from nbgrader.api import MissingEntry
    try:
        record = gradebook.find_assignment(assignment)
    except MissingEntry:
        return []
    if not record.submissions:
        return []
    recorded = {nb.name: nb for nb in record.notebooks}
    proposed = {path.stem: path for path in notebooks}
    found = [f"notebook {name}.ipynb would be {how}"
             for name, how in [(n, "added") for n in sorted(set(proposed) - set(recorded))]
             + [(n, "removed") for n in sorted(set(recorded) - set(proposed))]]
    for name in sorted(set(recorded) & set(proposed)):
        if recorded[name].submissions:
            found += [f"{name}.ipynb: {line}" for line in _cell_changes(in_gradebook(recorded[name]),
                                                                       in_source(proposed[name], config))]
    return found


def _cell_changes(old: Cells, new: Cells) -> list[str]:
    lines = [f"{g} would be added ({kind(new[g])})" for g in new if g not in old]
    lines += [f"{g} would be removed ({kind(old[g])})" for g in sorted(set(old) - set(new))]
    lines += [f"{g} would change from {kind(old[g])} to {kind(new[g])}" for g in new if g in old and old[g] != new[g]]
    return lines


def fingerprint(gradebook, assignment: str) -> str:
    """sha256 of what the gradebook recorded of the assignment's cells that grading uses: each cell's
    kinds, type and points, and the text and checksum autograding restores test cells from."""
    from nbgrader.api import MissingEntry
    rows = []
    try:
        record = gradebook.find_assignment(assignment)
    except MissingEntry:
        record = None
    for nb in record.notebooks if record is not None else []:
        rows += [["grade", nb.name, c.name, c.cell_type, float(c.max_score)] for c in nb.grade_cells]
        rows += [["solution", nb.name, c.name] for c in nb.solution_cells]
        rows += [["task", nb.name, c.name, c.cell_type, float(c.max_score)] for c in nb.task_cells]
        rows += [["source", nb.name, c.name, c.cell_type, bool(c.locked), c.source, c.checksum]
                 for c in nb.source_cells]
    return hashlib.sha256(json.dumps(sorted(rows, key=json.dumps)).encode()).hexdigest()
