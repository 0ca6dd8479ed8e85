"""Which test cells the grader judges, and the outputs such a cell gets.

A judged cell is a graded, non-solution code cell (nbgrader metadata, restored
from the gradebook before execution) whose only statement is
`checks.visible("<assignment>", "<exercise>")` or `checks.hidden(...)`, besides
comments, nbgrader's hidden-test markers and `from grader import checks`. Its
outputs are what the kernel would have shown: the verdict (text, HTML and JSON) and
the score as the execute_result nbgrader reads.
"""
from __future__ import annotations

from ..checks import display
from ..protocol import TEST_CALL

_IMPORT = "from grader import checks"


def target(cell) -> tuple[str, str, str] | None:
    """(assignment, exercise, part) of a judged test cell, else None (the kernel executes the cell)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
        return None
    statements = [line.strip() for line in cell.get("source", "").splitlines()]
    statements = [s for s in statements if s and not s.startswith("#") and s != _IMPORT]
    if len(statements) != 1:
        return None
    found = TEST_CALL.fullmatch(statements[0])
    if found is None:
        return None
    part, assignment, exercise = found.groups()
    return assignment, exercise, part


def verdict_outputs(verdict, execution_count: int | None) -> list[dict]:
    """The verdict display and the score (execute_result), as nbformat output dicts."""
    return [
        {"output_type": "display_data", "metadata": {},
         "data": display.bundle(verdict)},
        {"output_type": "execute_result", "metadata": {}, "execution_count": execution_count,
         "data": {"text/plain": f"{float(verdict.score):g}"}},     # as checks.Score shows it
    ]


def error_output(name: str, reason: str) -> dict:
    """An error output (nbgrader gives the cell 0 points) saying `reason`."""
    return {"output_type": "error", "ename": name, "evalue": reason, "traceback": [f"{name}: {reason}"]}
