"""An exercise's cells in the source notebook, made from its description.

The description is the one source of an exercise's points; nbgrader keeps a copy in the
metadata of each test cell. `scaffold` writes the three nbgrader cells of a described exercise
at the end of the source notebook (the solution cell with its signature and the solution
markers, the visible test cell, the hidden test cell, each with its grade id and, for the test
cells, the description's points), or, for the cells already there, sets their points to the
description's. What is left to write by hand is the solution and the text around it.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from . import exercises

SCHEMA_VERSION = 3


def _cell(source: str, grade_id: str, points: float | None = None) -> nbformat.NotebookNode:
    """A code cell with nbgrader's metadata: a solution cell (points None) or a locked test cell."""
    test = points is not None
    meta = {"grade": test, "grade_id": grade_id, "locked": test, "schema_version": SCHEMA_VERSION,
            "solution": not test, "task": False}
    if test:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": dict(sorted(meta.items()))})


def cells(assignment: str, name: str) -> list[nbformat.NotebookNode]:
    """The solution cell, the visible test cell and the hidden test cell of exercise `name`."""
    exercise = exercises.load(assignment)[name]
    ids = exercise.grade_ids
    solution = (f"def {exercise.signature}:\n    \"\"\"What it computes; the shapes of its arguments and result.\"\"\"\n"
                "    ### BEGIN SOLUTION\n    raise NotImplementedError()\n    ### END SOLUTION")
    visible = (f"# Visible tests: run this cell to check {name}.\nfrom grader import checks\n"
               f'checks.visible("{assignment}", "{name}")')
    hidden = (f"# Hidden tests for {name}: they run when your notebook is graded.\n### BEGIN HIDDEN TESTS\n"
              f'from grader import checks\nchecks.hidden("{assignment}", "{name}")\n### END HIDDEN TESTS')
    return [_cell(solution, ids["solution"]), _cell(visible, ids["visible"], exercise.visible.points),
            _cell(hidden, ids["hidden"], exercise.hidden.points)]


def _points(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def scaffold(notebook: Path, assignment: str, name: str) -> list[str]:
    """Add exercise `name`'s missing cells to `notebook` and set its test cells' points; what was done, a line each."""
    nb = nbformat.read(str(notebook), as_version=4)
    present = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    done = []
    for cell in cells(assignment, name):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        points = cell.metadata["nbgrader"].get("points")
        if grade_id not in present:
            nb.cells.append(cell)
            done.append(f"added cell {grade_id}" + ("" if points is None else f" ({_points(points)})"))
        elif points is not None and present[grade_id].metadata["nbgrader"].get("points") != points:
            present[grade_id].metadata["nbgrader"]["points"] = points
            done.append(f"cell {grade_id}: set to {_points(points)}")
    if done:
        nbformat.write(nb, str(notebook))
    return done
