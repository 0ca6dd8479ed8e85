"""The JAX-aware check library that test cells call.

A visible test cell is one line::

    checks.visible("s1_jax_fundamentals", "noisy_line")

It finds `noisy_line` in the notebook, runs the exercise's visible checks on the
public inputs, displays a verdict (each check passed or failed, points, hints; as
text, as HTML for JupyterLab and as JSON, see `display`) and returns the score,
which nbgrader records as the cell's partial credit. Hidden test cells call
`checks.hidden(...)` the same way, on the hidden inputs. Nothing is written to
stderr and a wrong answer never raises.

This module is the notebook-facing facade of the library. Grading a cell needs the
exercise's description and its reference data, which sit above the library: `grade`
imports `grader.grading` when it is called (a function-level import), so that no
module of the library imports the descriptions; the checks themselves (`values`,
`keys`, ...) and their types (`types`) never do.
"""
from __future__ import annotations

import sys

from . import compile_cache, display
from .result import CheckResult, Verdict

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
    """Verdict of one part ("visible" or "hidden") without printing anything: `grader.grading.grade`.

    remote: a grader.judge.remote.Remote for the exercise, when the function lives in a
    student's kernel (the checks run here, each call of the function runs there).
    """
    from .. import grading      # above the library (descriptions, reference data): imported when a cell is graded
    verdict = grading.grade(assignment, exercise, part, fn, namespace, remote)
    if remote is None:                  # the grading process keeps no history of its students
        HISTORY.append(verdict)
    return verdict


def _grade_and_show(assignment, exercise, part, fn, namespace) -> Score:
    compile_cache.enable_in_this_process()       # the next kernel's first runs load what this one compiles
    verdict = grade(assignment, exercise, part, fn, namespace)
    display.show(verdict)
    return Score(verdict.score)
