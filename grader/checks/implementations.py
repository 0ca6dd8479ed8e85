"""Against a trusted implementation, for example a thin adapter around `optax.adam`.

`matches_implementation` compares a probe of the student's function with the
same probe of a trusted implementation (one of the instructor's
`Instructor.oracles`, run when the reference data is built), rather than with the
reference solution's outputs: building the data therefore also checks the
reference solution against the library. The trusted code stays with the
instructor; its outputs are data.
"""
from __future__ import annotations

from . import cases, trees
from .types import Check, Problem
from .values import diagnose


def matches_implementation(oracle: str, probe: str = "output", *,
                           name: str = "library", describe: str = "agrees with the library implementation",
                           weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Probe `probe` of the student's function equals the stored outputs of the oracle `oracle`.

    The oracle computes the same probe of the trusted implementation (the oracle
    receives the case's stored arguments). Mismatches are diagnosed with the
    exercise's known mistakes, as in `matches_reference`.
    """
    def judge(ctx, case, ref) -> Problem | None:
        got = ctx.probe(probe, case)
        mismatch = trees.compare(got, ref[oracle], ctx.exercise.names_for(probe))
        if mismatch is None:
            return None
        return Problem(mismatch.message, diagnose(ctx, probe, case, got, ref[oracle]) or mismatch.hint)
    return Check(name, describe, cases.each(judge, references=True), weight, requires, oracle=oracle,
                 diagnosed_on=probe)
