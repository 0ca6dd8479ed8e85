"""Students check themselves: run a workbook's visible tests in a fresh kernel.

`read_workbook` finds the assignment and the visible test cell of every graded
exercise; `run_workbook` executes the notebook once with nbclient (the code
cells, and the visible test cells asked for; hidden tests are never run) and
reads each test cell's verdict back from its output. Both raise `WorkbookError`
with a message naming the file and the problem for the usual slips.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

# nbformat validates notebooks with jsonschema, which imports its optional IRI format checker
# (rfc3987_syntax) when installed: 1.6 s of building a grammar, for a format the notebook schema
# never uses. Marked absent (jsonschema then skips that format) unless something imported it already;
# this keeps `pytest workbook.ipynb` and `grader check` quick.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402 (after the line above)

from .protocol import VERDICT_MIMETYPE, VISIBLE_CALL as CALL


class WorkbookError(Exception):
    """A workbook that cannot be checked; the message names the file and the problem."""


@dataclass(frozen=True)
class VisibleTest:
    """One exercise's visible test cell (`cell_index` is None when the cell is missing)."""
    grade_id: str
    exercise: str
    points: float
    cell_index: int | None


@dataclass
class Workbook:
    path: Path
    assignment: str
    notebook: nbformat.NotebookNode
    tests: list[VisibleTest]


@dataclass
class TestOutcome:
    """What one visible test cell gave: points earned, the verdict text, the verdict data."""
    grade_id: str
    exercise: str
    score: float
    max_points: float
    text: str
    verdict: dict | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict is not None and self.score >= self.max_points

    def to_dict(self) -> dict:
        return {"grade_id": self.grade_id, "exercise": self.exercise, "score": self.score,
                "max_points": self.max_points, "passed": self.passed, "hints": self.hints,
                "text": self.text, "verdict": self.verdict}


def read_workbook(path: Path) -> Workbook:
    """Parse a workbook and match its visible test cells with the assignment's exercises.

    Reads points and names from the notebook itself, so that collecting does not
    import JAX; the exercise descriptions are loaded only when a test cell is missing.
    """
    from . import exercises

    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    try:
        json.loads(raw)
    except json.JSONDecodeError as err:
        raise WorkbookError(f"{path}: not valid notebook JSON (line {err.lineno}, column {err.colno}: "
                            f"{err.msg}); was it saved completely?") from None
    try:
        notebook = nbformat.reads(raw, as_version=4)
    except Exception as err:  # noqa: BLE001 (nbformat raises several kinds)
        raise WorkbookError(f"{path}: not a Jupyter notebook ({err})") from None
    found: dict[str, tuple[int, str, float]] = {}
    assignment = None
    for index, cell in enumerate(notebook.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        match = CALL.search(cell.source) if cell.cell_type == "code" else None
        if match and meta.get("grade"):
            assignment = assignment or match.group(1)
            found[match.group(2)] = (index, meta.get("grade_id", ""), float(meta.get("points", 0)))
    if assignment is None:
        raise WorkbookError(f"{path}: not an assignment workbook (no visible test cell calling "
                            f"checks.visible(...)); open the workbook from release/")
    if assignment not in exercises.names():
        raise WorkbookError(f"{path}: unknown assignment {assignment!r}; is the grader package up to date? "
                            f"known: {exercises.names()}")
    solved = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
              if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
              and "grade_id" in cell.metadata["nbgrader"]]
    tests = []
    if set(solved) <= set(found):
        for name, (index, grade_id, points) in found.items():
            tests.append(VisibleTest(grade_id, name, points, index))
        return Workbook(path, assignment, notebook, sorted(tests, key=lambda t: t.cell_index))
    for exercise in exercises.load(assignment).exercises:  # a test cell is missing: ask the description
        grade_id = exercise.grade_ids["visible"]
        index, _, points = found.get(exercise.name, (None, grade_id, exercise.visible.points))
        tests.append(VisibleTest(grade_id, exercise.name, points, index))
    return Workbook(path, assignment, notebook, tests)


def _is_hidden_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and "checks.visible(" not in cell.source


def run_workbook(workbook: Workbook, selected: set[str] | None = None,
                 timeout: int = 120, kernel=None) -> dict[str, TestOutcome]:
    """Execute the workbook in a fresh kernel; outcome per visible test grade id.

    selected: grade ids to run (None: all). Code cells always run (later cells
    need them); unselected test cells and hidden test cells are left out.
    timeout: seconds per cell. kernel: one from `kernels.self_check_kernel` (shut down here),
    or None to start one now.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    wanted = {t.cell_index: t for t in workbook.tests
              if t.cell_index is not None and (selected is None or t.grade_id in selected)}
    tested = {t.cell_index for t in workbook.tests if t.cell_index is not None}
    keep = [i for i, cell in enumerate(workbook.notebook.cells)
            if cell.cell_type == "code" and (i in wanted or (i not in tested and not _is_hidden_test(cell)))]
    run_nb = nbformat.v4.new_notebook(cells=[workbook.notebook.cells[i].copy() for i in keep],
                                      metadata=workbook.notebook.metadata)
    for cell in run_nb.cells:
        cell.outputs = []
    position = {original: new for new, original in enumerate(keep)}
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = keep[cell_index]

    if kernel is None:
        from .autograde.kernels import self_check_kernel
        kernel = self_check_kernel(str(workbook.path.parent.resolve()))
    client = NotebookClient(run_nb, km=kernel.km, timeout=timeout, kernel_name="python3", allow_errors=True,
                            on_cell_start=on_cell_start)
    stopped: str | None = None
    try:
        kernel.ready(timeout)
        client.execute()
    except CellTimeoutError:
        stopped = f"cell {_cell_name(workbook, current['index'])} did not finish within {timeout} s"
    except DeadKernelError:
        stopped = (f"the kernel died while running cell {_cell_name(workbook, current['index'])} "
                   f"(out of memory, or the code called os._exit / sys.exit)")
    except RuntimeError as err:  # after DeadKernelError (one of them): died or hung in the warm-up
        stopped = str(err)
    finally:
        kernel.shutdown()
    outcomes = {}
    for test in workbook.tests:
        if selected is not None and test.grade_id not in selected:
            continue
        if test.cell_index is None:
            text = (f"The test cell {test.grade_id} is missing from {workbook.path.name}. Do not delete test "
                    f"cells: copy it back from a fresh workbook (it is restored, and graded, when you hand in).")
            outcomes[test.grade_id] = TestOutcome(test.grade_id, test.exercise, 0.0, test.points, text)
            continue
        cell = run_nb.cells[position[test.cell_index]]
        outcomes[test.grade_id] = _read_outcome(test, cell, stopped)
    return outcomes


def _cell_name(workbook: Workbook, index: int | None) -> str:
    if index is None:
        return "(before the first cell)"
    cell = workbook.notebook.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first_line = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
    return f"{index + 1}" + (f" ({grade_id})" if grade_id else f" ({first_line!r})")


def _read_outcome(test: VisibleTest, cell, stopped: str | None) -> TestOutcome:
    verdict, score, error = None, 0.0, None
    for output in cell.get("outputs", []):
        if output.output_type == "display_data" and VERDICT_MIMETYPE in output.get("data", {}):
            verdict = output.data[VERDICT_MIMETYPE]
            text = output.data.get("text/plain", "")
        elif output.output_type == "execute_result":
            try:
                score = float(output.data.get("text/plain", "0"))
            except ValueError:
                score = 0.0
        elif output.output_type == "error":
            error = f"{output.ename}: {output.evalue}"
    if verdict is not None:
        return TestOutcome(test.grade_id, test.exercise, float(verdict["score"]), float(verdict["max_points"]),
                           text, verdict, list(verdict.get("hints", [])))
    if error:
        text = f"The test cell raised {error}"
        if "No module named 'grader'" in error:
            text += " (install the grader package in the kernel's environment)"
    elif stopped:
        text = f"Not run: {stopped}."
    else:
        text = "The test cell printed no verdict (was it edited?)."
    return TestOutcome(test.grade_id, test.exercise, score if verdict else 0.0, test.points, text)


def check(path: Path, as_json: bool = False, timeout: int = 120, out=None) -> int:
    """`grader check WORKBOOK`: print every visible verdict and a summary; exit status 0 only if all pass.

    With `as_json`, prints one JSON document instead (for tools). Exit 2 when the
    workbook cannot be checked at all.
    """
    import sys
    out = out or sys.stdout
    try:
        workbook = read_workbook(path)
    except WorkbookError as err:
        if as_json:
            print(json.dumps({"path": str(path), "error": str(err)}), file=out)
        else:
            print(f"error: {err}", file=out)
        return 2
    outcomes = run_workbook(workbook, timeout=timeout)
    earned = sum(o.score for o in outcomes.values())
    available = sum(o.max_points for o in outcomes.values())
    all_passed = all(o.passed for o in outcomes.values())
    if as_json:
        print(json.dumps({"path": str(path), "assignment": workbook.assignment, "score": earned,
                          "max_points": available, "passed": all_passed,
                          "tests": [o.to_dict() for o in outcomes.values()]}, indent=1), file=out)
    else:
        for outcome in outcomes.values():
            print(outcome.text, file=out)
            print(file=out)
        print(f"{workbook.path.name}: visible tests {earned:g} / {available:g} points"
              + ("" if all_passed else f" ({sum(not o.passed for o in outcomes.values())} to fix)"), file=out)
    return 0 if all_passed else 1
