"""Run the checks of one test cell and share out its points.

`run_part` runs each check of the visible or hidden part in order. A check whose
`requires` did not pass is not assessed; when the function is missing or not
implemented, the remaining checks are not assessed either, so the student reads
the reason once.
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..exercises.spec import Exercise, Outcome
from .context import Context
from .errors import StudentCodeError
from .quiet import quiet
from .result import CheckResult, Verdict

_STOP_HINTS = ("not_implemented", "not_defined", "not_callable")


def run_part(assignment: str, exercise: Exercise, part: str, fn: Callable | None,
             cases: Sequence, references: Sequence | None, missing: Outcome | None = None,
             remote=None, mistakes: Sequence | None = None, namespace: dict | None = None) -> Verdict:
    """Verdict of the `part` ("visible" or "hidden") checks of `fn` on `cases`.

    `missing` is the outcome to give every check when there is no function to check.
    `remote` (a grader.judge.remote.Remote): `fn` lives in the student's kernel.
    `mistakes`: the known mistakes' stored outputs, one dict per case (see grader.reference).
    `namespace`: the notebook's names, where checks find the student's other functions.
    """
    checks = exercise.part(part).checks
    verdict = Verdict(assignment, exercise.name, part)
    ctx = Context(exercise, fn, cases, references, hidden=(part == "hidden"), remote=remote, mistakes=mistakes,
                  namespace=namespace)
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
            outcome = _run_check(check, ctx)
            outcomes[check.name] = outcome
            verdict.results.append(CheckResult(check.name, check.describe, outcome.passed,
                                               points if outcome.passed else 0.0, points,
                                               outcome.message, outcome.hint))
            if outcome.hint in _STOP_HINTS:
                stop = outcome
        if missing is not None and verdict.results:
            first = verdict.results[0]
            verdict.results[0] = CheckResult(first.name, first.describe, False, 0.0, first.max_points,
                                             missing.message, missing.hint)
    if remote is not None:              # what the function printed or warned in the kernel
        captured.stdout += "printed" if remote.printed else ""
        captured.warnings.extend(remote.warnings)
    verdict.notes.extend(captured.notes())
    return verdict


def _run_check(check, ctx) -> Outcome:
    try:
        return check.run(ctx)
    except StudentCodeError as err:
        return Outcome(False, err.message, err.hint)
    except Exception as exc:  # noqa: BLE001 (a bug in a check must not zero the cell with a traceback)
        return Outcome(False, f"The check could not run ({type(exc).__name__}: {exc}). "
                              "Please tell your instructor.", None)
