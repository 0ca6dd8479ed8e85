"""Against a trusted implementation, for example a thin adapter around `optax.adam`.

`matches_implementation` compares a probe of the student's function with the
same probe of a trusted implementation (one of the instructor's
`Instructor.oracles`, run when the reference data is built), rather than with the
reference solution's outputs: building the data therefore also checks the
reference solution against the library. The trusted code stays with the
instructor; its outputs are data.
"""
from __future__ import annotations

from ..exercises.spec import Check, Outcome
from . import trees
from .errors import StudentCodeError
from .values import diagnose


def matches_implementation(oracle: str, probe: str = "output", *,
                           name: str = "library", describe: str = "agrees with the library implementation",
                           weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Probe `probe` of the student's function equals the stored outputs of the oracle `oracle`.

    The oracle computes the same probe of the trusted implementation (the oracle
    receives the case's stored arguments). Mismatches are diagnosed with the
    exercise's known mistakes, as in `matches_reference`.
    """
    def run(ctx) -> Outcome:
        if ctx.references is None:
            return Outcome(False, "No reference outputs are available for these inputs.", None)
        for case, ref in zip(ctx.cases, ctx.references):
            try:
                got = ctx.probe(probe, case)
            except StudentCodeError as err:
                return ctx.failed(case, err)
            expected = ref[oracle]
            mismatch = trees.compare(got, expected, ctx.exercise.names_for(probe))
            if mismatch is not None:
                hint = diagnose(ctx, probe, case, got, expected) or mismatch.hint
                return Outcome(False, f"On {ctx.label(case)}: {mismatch.message}", hint)
        return Outcome(True)
    return Check(name, describe, run, weight, requires, oracle=oracle, diagnosed_on=probe)
