"""What a student may see of a test cell's verdict.

Visible tests: everything the check library said; the student can run them anyway.

Hidden tests: each check's description, PASS/FAIL, points and hint, and for a
failure at most a fixed sentence (the name of the exception the function
raised, "not defined", "not implemented"). Never the check's message, which may
quote the reference value or the student's result on the hidden input ("got
902.839, expected 75.2366"), and never the notes, which quote what the
student's code printed or warned while it ran on the hidden inputs.

Code cells after the first hidden test: hidden inputs have reached the kernel
by then, and a cell may print them. Such a cell shows the outputs it had when
the student submitted it (never a verdict), not what it printed while graded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import hints as catalogue
from ..hints import Hint
from ..protocol import VERDICT_MIMETYPE
from .verdicts import TestCell, is_test_cell, source_of

AFTER_HIDDEN_NOTE = ("Outputs as you submitted them: this cell ran after a hidden test, so what it printed "
                     "while graded is not shown here (it could show the hidden inputs).")

PASS, FAIL, NOT_ASSESSED = "PASS", "FAIL", "NOT ASSESSED"

_NOT_ASSESSED = re.compile(r"not assessed until '\w+' passes")
_RAISED = re.compile(r"Your function raised an error:\s*\n\s*([A-Za-z_][\w.]{0,80})\s*(:|$)", re.MULTILINE)
_NOT_IMPLEMENTED = "Not implemented yet (the function raises NotImplementedError)."


@dataclass(frozen=True)
class CheckView:
    """One check as shown: status is PASS, FAIL or NOT ASSESSED (always written as a word)."""
    describe: str
    status: str
    points: float                                  # earned
    max_points: float
    detail: str = ""                               # what went wrong, as far as it may be shown
    hint: Hint | None = None
    first_hint: bool = False                       # the first check of the panel with this hint


@dataclass(frozen=True)
class PanelView:
    """A test cell as shown to the student."""
    grade_id: str
    exercise: str
    hidden: bool
    score: float
    max_points: float
    checks: list[CheckView] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    remark: str = ""                               # about the cell as a whole (no verdict, score changed)

    @property
    def part(self) -> str:
        return "hidden" if self.hidden else "visible"


def hint(hint_id: str) -> Hint:
    """The catalogue's hint, or a stand-in named after an id the catalogue no longer has."""
    try:
        return catalogue.get(hint_id)
    except KeyError:
        return Hint(hint_id, hint_id.replace("_", " "), "", "")


def hidden_detail(result: dict, exercise: str) -> str:
    """The part of a hidden check's message that may be shown: a fixed sentence, or nothing."""
    message = str(result.get("message") or "")
    if not result.get("assessed", True):
        found = _NOT_ASSESSED.search(message)
        return found.group(0) if found else "not assessed"
    if message.endswith(_NOT_IMPLEMENTED):
        return _NOT_IMPLEMENTED
    raised = _RAISED.search(message)
    if raised:
        return f"Your function raised {raised.group(1)} on a hidden input."
    if message.startswith(f"`{exercise}` is not defined."):
        return f"`{exercise}` is not defined. Run the cell that defines it."
    return ""


def _status(result: dict) -> str:
    if result.get("passed"):
        return PASS
    return FAIL if result.get("assessed", True) else NOT_ASSESSED


def student_view(cell: TestCell, recorded: float | None = None) -> PanelView:
    """The panel for `cell`; `recorded` is the score in the gradebook (it counts, whatever the verdict says)."""
    verdict = cell.verdict
    max_points = cell.points or float((verdict or {}).get("max_points", 0))
    if verdict is None:
        stopped = f": it stopped with {cell.error}" if cell.error else ""
        return PanelView(cell.grade_id, cell.exercise, cell.hidden, recorded or 0.0, max_points,
                         remark=f"This test cell showed no verdict{stopped}.")
    checks, seen = [], set()
    for result in verdict.get("results", []):
        status = _status(result)
        hint_id = result.get("hint") if status == FAIL else None
        detail = hidden_detail(result, cell.exercise) if cell.hidden else str(result.get("message") or "")
        checks.append(CheckView(
            describe=str(result.get("describe") or result.get("name", "")), status=status,
            points=float(result.get("points", 0)) if status == PASS else 0.0,
            max_points=float(result.get("max_points", 0)), detail=detail if status != PASS else "",
            hint=hint(hint_id) if hint_id else None, first_hint=bool(hint_id) and hint_id not in seen))
        if hint_id:
            seen.add(hint_id)
    scored = float(verdict.get("score", 0))
    score = scored if recorded is None else recorded
    remark = ""
    if recorded is not None and abs(recorded - scored) > 0.01:
        remark = (f"The gradebook records {recorded:g} points for this cell, not the {scored:g} of its checks; "
                  f"the recorded score counts.")
    notes = [] if cell.hidden else [str(n) for n in verdict.get("notes", [])]
    return PanelView(cell.grade_id, cell.exercise, cell.hidden, score, max_points, checks, notes, remark)


class SubmittedOutputs:
    """The outputs of the submitted notebook's code cells, found by source (each used once, in order);
    nothing for a cell whose source is not in it. Verdicts among them are dropped (a student's own)."""

    def __init__(self, submitted: dict | None):
        self._by_source: dict[str, list[list]] = {}
        for cell in (submitted or {}).get("cells", []):
            if cell.get("cell_type") == "code" and not is_test_cell(cell):
                outputs = [o for o in cell.get("outputs", []) if VERDICT_MIMETYPE not in o.get("data", {})]
                self._by_source.setdefault(source_of(cell), []).append(outputs)

    def take(self, cell: dict) -> list:
        found = self._by_source.get(source_of(cell))
        return found.pop(0) if found else []
