"""Grading one test cell: the exercise's description and reference data, joined to the check library.

`grade` loads the exercise (with its instructor half for the hidden part), finds the student's
function, reads the stored cases and reference outputs, and lets `checks.runner.run_part`
run the checks. It sits above the check library, which never imports the descriptions or the
reference data: test cells reach it through the facade `grader.checks` (`checks.visible`,
`checks.hidden`, `checks.grade`), which imports this module when a cell is graded.
"""
from __future__ import annotations

from . import exercises, reference
from .checks import errors
from .checks.result import Verdict
from .checks.runner import run_part
from .checks.types import Outcome


def grade(assignment: str, exercise: str, part: str, fn=None, namespace: dict | None = None,
          remote=None) -> Verdict:
    """Verdict of one part ("visible" or "hidden") of `exercise`, without printing anything.

    fn: the student's function; by default `namespace[exercise]` (the notebook's names).
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
    missing = _missing(exercise, spec.signature, kind, type_name, syntax)
    try:
        cases, refs, mistakes = reference.cases_and_references(assignment, exercise, part)
    except reference.MissingReferenceData as err:
        cases, refs, mistakes = [], None, None
        missing = missing or Outcome(False, str(err), None)
    return run_part(assignment, spec, part, fn if missing is None else None, cases, refs, missing, remote,
                    mistakes, namespace, reference.hidden_seed(assignment))


def _missing(exercise: str, signature: str, kind: str, type_name: str, syntax: str) -> Outcome | None:
    """The outcome every check gets when there is no function to check (kind "missing" or "other"), else None."""
    if kind == "missing" and syntax:
        return Outcome(False, f"`{exercise}` is not defined: the cell that defines it has a syntax error, "
                              f"so none of it ran.\n  {syntax}", "syntax_error")
    if kind == "missing":
        return Outcome(False, f"`{exercise}` is not defined. Run the cell that defines it "
                              f"(and keep the name `{signature}`).", "not_defined")
    if kind != "function":
        return Outcome(False, f"`{exercise}` is a {type_name}, not a function.", "not_callable")
    return None
