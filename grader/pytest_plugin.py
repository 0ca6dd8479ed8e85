"""pytest plugin: `pytest my_workbook.ipynb` runs the workbook's visible tests.

One test item per graded exercise, named by the grade id of its visible test
cell (`test_mse`), so `-k mse`, `-x`, `-q` work as usual, and located at that
cell as pytest's doctest plugin locates a docstring (`[cell 12] visible test of
mse`). The notebook is executed once, in a fresh kernel, when the first item
runs; only the selected test cells are executed and hidden tests never are. A
failure is shown as a `TerminalRepr` (like the doctest plugin's
`ReprFailDoctest`): the verdict with its hints, then the cell's location; the
short summary line gives only its first line (also on CI, where pytest does not
trim it), and the final line gives points earned over points available. Options
are prefixed `--grader-` (`--grader-cell-timeout`).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr

POINTS_KEY = "grader_points"
# The kernel for the session's first workbook, started before collection; None once the first
# workbook was collected (it took this kernel or started its own), absent before.
EARLY_KERNEL = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("grader", "self-check of course workbooks")
    group.addoption("--grader-cell-timeout", type=int, default=120, metavar="SECONDS",
                    help="seconds a workbook cell may run before it is stopped (default 120)")


def pytest_load_initial_conftests(early_config, parser, args):
    """Start the kernel of the first workbook named on the command line now, before conftests,
    collection and the rest of pytest's start-up: `import jax` in the kernel overlaps them."""
    options = early_config.known_args_namespace
    if options.help or options.version or getattr(options, "collectonly", False):
        return
    for arg in options.file_or_dir or ():
        path = Path(str(arg).split("::")[0])
        if path.suffix == ".ipynb" and path.is_file():
            kernel = _start_kernel(str(path.parent.resolve()))
            if kernel is not None:
                early_config.stash[EARLY_KERNEL] = kernel
                early_config.add_cleanup(lambda: _shutdown(early_config.stash.get(EARLY_KERNEL, None)))
            return


def _start_kernel(directory: str):
    """A self-check kernel working in `directory`, or None when it cannot start (the workbook's
    run starts one again and reports what fails)."""
    from .autograde.kernels import self_check_kernel
    try:
        return self_check_kernel(directory)
    except Exception:  # noqa: BLE001
        return None


def _shutdown(kernel) -> None:
    if kernel is not None:
        kernel.shutdown()


def pytest_collect_file(file_path, parent):
    if file_path.suffix != ".ipynb" or ".ipynb_checkpoints" in file_path.parts:
        return None
    from .protocol import VISIBLE_CALL
    explicit = parent.session.isinitpath(file_path)
    if not explicit and not VISIBLE_CALL.search(file_path.read_text(encoding="utf-8", errors="replace")):
        return None  # a notebook met while scanning a folder, and not a workbook: not ours
    return WorkbookFile.from_parent(parent, path=file_path)


class WorkbookFile(pytest.File):
    """A workbook: collects one item per exercise, and runs the notebook once for all of them.

    The first workbook's kernel is started before collection (when the command line names it)
    or as soon as the file is collected, so that it imports JAX while pytest starts and collects.
    """

    def collect(self):
        self._kernel = _early_kernel(self)
        from .selfcheck import WorkbookError, read_workbook
        try:
            self.workbook = read_workbook(self.path)
        except WorkbookError as err:
            self._release_kernel()
            raise self.CollectError(str(err)) from None
        self._outcomes = None
        for test in self.workbook.tests:
            yield ExerciseItem.from_parent(self, name=test.grade_id, test=test)

    def outcomes(self) -> dict:
        """Execute the notebook (once) with the items of this file that are selected."""
        if self._outcomes is None:
            from .selfcheck import run_workbook
            selected = {item.name for item in self.session.items if item.parent is self}
            kernel, self._kernel = self._kernel, None
            timeout = self.config.getoption("grader_cell_timeout")
            self._outcomes = run_workbook(self.workbook, selected, timeout, kernel)
        return self._outcomes

    def _release_kernel(self) -> None:
        if getattr(self, "_kernel", None) is not None:
            self._kernel.shutdown()
            self._kernel = None


def _early_kernel(workbook_file):
    """A kernel for the session's first workbook, started already (pytest_load_initial_conftests)
    or now (None for the others: they start theirs when they run, so that a folder of notebooks
    does not start one kernel each)."""
    config = workbook_file.session.config
    if EARLY_KERNEL in config.stash and config.stash[EARLY_KERNEL] is None:
        return None                                         # not the first workbook
    directory = str(workbook_file.path.parent.resolve())
    kernel = config.stash.get(EARLY_KERNEL, None)
    config.stash[EARLY_KERNEL] = None
    if kernel is not None and kernel.cwd != directory:    # started for a workbook in another folder
        kernel.shutdown()
        kernel = None
    if kernel is None:
        kernel = _start_kernel(directory)
    if kernel is not None:
        config.add_cleanup(workbook_file._release_kernel)
    return kernel


class ExerciseFailed(Exception):
    """The exercise did not get full marks; carries the verdict text."""


class ReprFailVerdict(TerminalRepr):
    """A failed exercise as pytest shows it: the whole verdict, then the test cell's location
    (`workbook.ipynb:12: ...`, cells numbered from 1). `reprcrash`, that location with the verdict's
    first line (exercise and points), is what the short test summary shows."""

    def __init__(self, text: str, reprcrash: ReprFileLocation):
        self.text = text
        self.reprcrash = reprcrash

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line)
        if self.reprcrash.lineno is not None:               # None: the test cell was deleted
            self.reprcrash.toterminal(tw)


class ExerciseItem(pytest.Item):
    """One exercise's visible test cell; passes with full marks."""

    def __init__(self, *, test, **kwargs):
        super().__init__(**kwargs)
        self.test = test

    def runtest(self):
        outcome = self.parent.outcomes()[self.name]
        self.user_properties.append((POINTS_KEY, (outcome.score, outcome.max_points)))
        if not outcome.passed:
            raise ExerciseFailed(outcome.text)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ExerciseFailed):
            text = str(excinfo.value)
            path, cell_index, _ = self.location
            cell = None if cell_index is None else cell_index + 1
            return ReprFailVerdict(text, ReprFileLocation(path, cell, text.splitlines()[0] if text else ""))
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        """(path, the test cell's index from 0, "[cell N] visible test of <exercise>" with N from 1),
        as the doctest plugin gives a docstring's line; a deleted test cell has no index."""
        index = self.test.cell_index
        where = "[cell missing]" if index is None else f"[cell {index + 1}]"
        return self.path, index, f"{where} visible test of {self.test.exercise}"


def _points(report):
    for key, value in getattr(report, "user_properties", []):
        if key == POINTS_KEY:
            return value
    return None


def pytest_report_teststatus(report, config):
    points = _points(report)
    if points is None or report.when != "call":
        return None
    earned, available = points
    word = "PASSED" if report.passed else "FAILED"
    return report.outcome, ("." if report.passed else "F"), f"{word} ({earned:g}/{available:g} points)"


def pytest_terminal_summary(terminalreporter):
    earned = available = 0.0
    count = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            points = _points(report) if getattr(report, "when", None) == "call" else None
            if points:
                earned, available, count = earned + points[0], available + points[1], count + 1
    if count:
        terminalreporter.write_sep("=", f"visible tests: {earned:g} / {available:g} points", bold=True)
