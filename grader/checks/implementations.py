"""Against a trusted implementation computed at check time.

`matches_implementation` compares a probe of the student's function with the
same probe of a trusted implementation (for example a thin adapter around
`optax.adam`), rather than with stored reference outputs: it also checks the
reference solution itself against the library.
"""
from __future__ import annotations

from typing import Callable

from ..exercises.spec import Check, Outcome
from . import trees
from .errors import StudentCodeError
from .values import diagnose


def matches_implementation(implementation: Callable[[], Callable], probe: str = "output", *,
                           name: str = "library", describe: str = "agrees with the library implementation",
                           weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Probe `probe` of the student's function equals that of `implementation()` on every case.

    `implementation` is called with no arguments and returns the trusted function
    (so that a heavy import such as optax happens only when the check runs).
    Mismatches are diagnosed with the exercise's known mistakes, as in `matches_reference`.
    """
    def run(ctx) -> Outcome:
        trusted = implementation()
        for case in ctx.cases:
            try:
                got = ctx.probe(probe, case)
            except StudentCodeError as err:
                return ctx.failed(case, err)
            expected = ctx.exercise.probes.get(probe, lambda fn, *a: fn(*a))(trusted, *ctx.args(case))
            mismatch = trees.compare(got, expected, ctx.exercise.names_for(probe))
            if mismatch is not None:
                hint = diagnose(ctx, probe, case, got, expected) or mismatch.hint
                return Outcome(False, f"On {ctx.label(case)}: {mismatch.message}", hint)
        return Outcome(True)
    return Check(name, describe, run, weight, requires)
