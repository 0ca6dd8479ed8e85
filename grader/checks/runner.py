"""Run the checks of one test cell and share out its points.

`run_part` runs each check of the visible or hidden part in order. A check whose
`requires` did not pass is not assessed; when the function is missing or not
implemented, the remaining checks are not assessed either, so the student reads
the reason once.
"""
from __future__ import annotations

import traceback
from typing import Callable, Sequence

from .context import Context
from .errors import StudentCodeError
from .quiet import quiet
from .result import CheckResult, Verdict
from .types import Graded, Outcome

_STOP_HINTS = ("not_implemented", "not_defined", "not_callable")

# Failures of the grader's own code in this process (a check that raised), newest last, each with its
# context and traceback. Never a student outcome: the test suite fails when one appears
# (tests/conftest.py), and the autograder counts them in the run's summary.
GRADER_ERRORS: list[str] = []


def run_part(assignment: str, exercise: Graded, part: str, fn: Callable | None,
             cases: Sequence, references: Sequence | None, missing: Outcome | None = None,
             remote=None, mistakes: Sequence | None = None, namespace: dict | None = None,
             hidden_seed: int | None = None) -> Verdict:
    """Verdict of the `part` ("visible" or "hidden") checks of `fn` on `cases`.

    `missing` is the outcome to give every check when there is no function to check.
    `remote` (a grader.judge.remote.Remote): `fn` lives in the student's kernel.
    `mistakes`: the known mistakes' stored outputs, one dict per case (see grader.reference).
    `namespace`: the notebook's names, where checks find the student's other functions.
    `hidden_seed`: the assignment's hidden seed, from which the behavioural checks draw their keys
    (`Context.key_seeds`); None on a student's install.
    """
    checks = exercise.part(part).checks
    verdict = Verdict(assignment, exercise.name, part)
    ctx = Context(exercise, fn, cases, references, hidden=(part == "hidden"), remote=remote, mistakes=mistakes,
                  namespace=namespace, hidden_seed=hidden_seed)
    outcomes: dict[str, Outcome] = {}
    stop: Outcome | None = missing
    with quiet() as captured:
        for check in checks:
            points = exercise.part(part).points_of(check.name)
            blocked = [r for r in check.requires if r in outcomes and not outcomes[r].passed]
            if stop is not None or blocked:
                reason = "" if stop is not None else f"not assessed until '{blocked[0]}' passes"
                hint = stop.hint if stop is not None else None
                verdict.results.append(CheckResult(check.name, check.describe, False, 0.0, points,
                                                   reason, hint, assessed=False))
                outcomes[check.name] = Outcome(False)
                continue
            outcome = _run_check(check, ctx, verdict)
            outcomes[check.name] = outcome
            verdict.results.append(CheckResult(check.name, check.describe, outcome.passed,
                                               points if outcome.passed else 0.0, points,
                                               outcome.message, outcome.hint))
            if outcome.hint in _STOP_HINTS:
                stop = outcome
        _properties_need_evidence(checks, verdict)
        if missing is not None and verdict.results:
            first = verdict.results[0]
            verdict.results[0] = CheckResult(first.name, first.describe, False, 0.0, first.max_points,
                                             missing.message, missing.hint)
    if remote is not None:              # what the function printed or warned in the kernel
        captured.stdout += "printed" if remote.printed else ""
        captured.warnings.extend(remote.warnings)
    verdict.notes.extend(captured.notes())
    return verdict


def _properties_need_evidence(checks, verdict: Verdict) -> None:
    """Passed properties (Check.evidence False) earn nothing when no evidence check of the part passed:
    a stub that returns a constant keeps its inputs unchanged and gives the same result for the same key."""
    if not any(c.evidence for c in checks):
        return
    evidence = {c.name for c in checks if c.evidence}
    if any(r.passed for r in verdict.results if r.name in evidence):
        return
    for i, (check, result) in enumerate(zip(checks, verdict.results)):
        if not check.evidence and result.passed:
            verdict.results[i] = CheckResult(result.name, result.describe, False, 0.0, result.max_points,
                                             "not assessed until the function's results are right",
                                             None, assessed=False)


def _run_check(check, ctx, verdict: Verdict) -> Outcome:
    try:
        return check.run(ctx)
    except StudentCodeError as err:
        return Outcome(False, err.message, err.hint)
    except Exception as exc:  # noqa: BLE001 (recorded as the grader's failure, not the student's: see GRADER_ERRORS)
        where = f"{verdict.assignment}/{verdict.exercise} ({verdict.part} tests), check {check.name}"
        verdict.grader_errors.append(f"{where}: {type(exc).__name__}: {exc}")
        GRADER_ERRORS.append(f"{where}:\n{traceback.format_exc()}")
        return Outcome(False, f"The check could not run ({type(exc).__name__}: {exc}). "
                              "This is a fault of the grader, not of your code: please tell your instructor.",
                       "grader_error")
