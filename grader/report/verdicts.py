"""The graded test cells of an autograded notebook and the verdicts they displayed.

A test cell is an nbgrader grade cell that is not a solution (grade ids
`test_<exercise>` and `test_<exercise>_hidden`). When it ran, the check library
displayed its verdict as JSON under `grader.protocol.VERDICT_MIMETYPE`
(`grader.checks.result.Verdict.to_dict()`); this module finds it. A cell is
hidden when its grade id, its nbgrader markers or its verdict say so: any one
is enough, so a hidden cell is never taken for a visible one.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..protocol import verdict_of


@dataclass(frozen=True)
class TestCell:
    """One graded test cell: where it is, its points, and the verdict it displayed (None if it showed none)."""
    __test__ = False                              # not a pytest class

    grade_id: str
    exercise: str
    hidden: bool
    points: float
    verdict: dict | None
    error: str | None = None                      # the exception's name, if the cell raised one

    @property
    def part(self) -> str:
        return "hidden" if self.hidden else "visible"

    @property
    def hint_ids(self) -> list[str]:
        return list(self.verdict.get("hints", [])) if self.verdict else []


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell: dict) -> bool:
    """A graded code cell that is not the student's answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def exercise_of(grade_id: str) -> str:
    """test_noisy_line_hidden -> noisy_line."""
    return grade_id.removeprefix("test_").removesuffix("_hidden")


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def read_cell(cell: dict) -> TestCell:
    meta = nbgrader_meta(cell)
    grade_id = str(meta.get("grade_id", ""))
    verdict = verdict_of(cell)
    hidden = (grade_id.endswith("_hidden") or "BEGIN HIDDEN TESTS" in source_of(cell)
              or (verdict or {}).get("part") == "hidden")
    errors = [out.get("ename", "Error") for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    return TestCell(grade_id, exercise_of(grade_id), hidden, float(meta.get("points", 0) or 0), verdict,
                    errors[-1] if errors else None)


def read_cells(nb: dict) -> list[TestCell]:
    """Every graded test cell of a notebook (a dict or nbformat node), in order."""
    return [read_cell(cell) for cell in nb.get("cells", []) if is_test_cell(cell)]
