"""The JAX-aware check library that test cells call.

A visible test cell is one line::

    checks.visible("s1_jax_fundamentals", "noisy_line")

It finds `noisy_line` in the notebook, runs the exercise's visible checks on the
public inputs, prints a verdict (each check passed or failed, points, hints) and
returns the score, which nbgrader records as the cell's partial credit. Hidden
test cells call `checks.hidden(...)` the same way, on the hidden inputs. Nothing
is written to stderr and a wrong answer never raises.
"""
from __future__ import annotations

import sys

from .. import exercises, reference
from ..exercises.spec import Outcome
from ..protocol import VERDICT_MIMETYPE
from . import errors
from .result import CheckResult, Verdict
from .runner import run_part

__all__ = ["visible", "hidden", "grade", "Score", "Verdict", "CheckResult"]

# Verdicts of this process, newest last: read by the self-check and the reports.
HISTORY: list[Verdict] = []


class Score(float):
    """The cell's score: a float that displays as a plain number (what nbgrader reads)."""

    def __repr__(self) -> str:
        return f"{float(self):g}"


def visible(assignment: str, exercise: str, fn=None) -> Score:
    """Run the visible checks of `exercise`; `fn` defaults to the notebook's function of that name."""
    return _grade_and_show(assignment, exercise, "visible", fn, sys._getframe(1).f_globals)


def hidden(assignment: str, exercise: str, fn=None) -> Score:
    """Run the hidden checks of `exercise` (needs the instructor's hidden reference data)."""
    return _grade_and_show(assignment, exercise, "hidden", fn, sys._getframe(1).f_globals)


def grade(assignment: str, exercise: str, part: str, fn=None, namespace: dict | None = None,
          remote=None) -> Verdict:
    """Verdict of one part ("visible" or "hidden") without printing anything.

    remote: a grader.judge.remote.Remote for the exercise, when the function lives in a
    student's kernel (the checks run here, each call of the function runs there).
    Where the instructor's hidden data is (grading), the keys the behavioural checks choose are
    drawn here from its hidden seed; on a student's install they are public.
    """
    spec = exercises.load(assignment, instructor=(part == "hidden"))[exercise]
    syntax = ""
    if remote is not None:
        kind, type_name, syntax = remote.lookup()
        fn = remote.student
    else:
        if fn is None:
            fn = (namespace or {}).get(exercise)
        kind = "missing" if fn is None else ("function" if callable(fn) else "other")
        type_name = type(fn).__name__
        if kind == "missing":
            syntax = errors.syntax_error_in_history(exercise, (namespace or {}).get("_ih")) or ""
    missing = None
    if kind == "missing" and syntax:
        missing = Outcome(False, f"`{exercise}` is not defined: the cell that defines it has a syntax error, "
                                 f"so none of it ran.\n  {syntax}", "syntax_error")
    elif kind == "missing":
        missing = Outcome(False, f"`{exercise}` is not defined. Run the cell that defines it "
                                 f"(and keep the name `{spec.signature}`).", "not_defined")
    elif kind != "function":
        missing = Outcome(False, f"`{exercise}` is a {type_name}, not a function.", "not_callable")
    try:
        cases, refs, mistakes = reference.cases_and_references(assignment, exercise, part)
    except reference.MissingReferenceData as err:
        cases, refs, mistakes = [], None, None
        missing = missing or Outcome(False, str(err), None)
    verdict = run_part(assignment, spec, part, fn if missing is None else None, cases, refs, missing, remote,
                       mistakes, namespace, reference.hidden_seed(assignment))
    if remote is None:                  # the grading process keeps no history of its students
        HISTORY.append(verdict)
    return verdict


def _grade_and_show(assignment, exercise, part, fn, namespace) -> Score:
    verdict = grade(assignment, exercise, part, fn, namespace)
    _show(verdict)
    return Score(verdict.score)


def _show(verdict: Verdict) -> None:
    """Display the verdict: rich output in a kernel (text plus machine-readable JSON), else print."""
    text = verdict.render()
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display
        display({"text/plain": text, VERDICT_MIMETYPE: verdict.to_dict()}, raw=True)
    else:
        print(text)
