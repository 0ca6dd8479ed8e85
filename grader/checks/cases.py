"""The loop of a check over its cases: judge each case in order, fail on the first problem.

A check that looks at the cases one by one is made of a judge of one case, and `each(judge)`
is its `run`. The judge returns None when the case passes, else a `Problem` (message and hint).
A `StudentCodeError` raised while judging (the student's code raised, or gave a result of the
wrong form) is that case's problem, with its message and hint. Either way the student reads
which input it was: "On <the case's label>: <message>".
"""
from __future__ import annotations

from typing import Callable

from .errors import StudentCodeError
from .types import Outcome, Problem

NO_REFERENCES = "No reference outputs are available for these inputs."


def each(judge: Callable[..., Problem | None], *, references: bool = False) -> Callable[..., Outcome]:
    """A check's run(ctx): judge every case of ctx in order; passed, or failed on the first problem.

    judge(ctx, case) -> Problem | None; with `references`, judge(ctx, case, reference), where
    reference is the case's stored outputs by probe or oracle name (`ctx.references`), and a
    context without stored outputs fails the check.
    """
    def run(ctx) -> Outcome:
        if references and ctx.references is None:
            return Outcome(False, NO_REFERENCES, None)
        stored = ctx.references if references else [None] * len(ctx.cases)
        for case, reference in zip(ctx.cases, stored):
            try:
                problem = judge(ctx, case, reference) if references else judge(ctx, case)
            except StudentCodeError as err:
                problem = Problem(err.message, err.hint)
            if problem is not None:
                return Outcome(False, f"On {ctx.label(case)}: {problem.message}", problem.hint)
        return Outcome(True)
    return run
