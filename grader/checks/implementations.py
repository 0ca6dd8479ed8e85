"""Against a trusted implementation, and on pytree inputs.

`matches_implementation` compares a probe of the student's function with the
same probe of a trusted implementation computed at check time (for example a
thin adapter around `optax.adam`), rather than with stored reference outputs:
it checks the reference solution itself against the library. `accepts_pytrees`
calls the function on inputs that hold tuples, lists or dicts of arrays and
explains the classic failure, Python arithmetic on a tuple.
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
                return Outcome(False, f"On {ctx.label(case)}: {err.message}", err.hint)
            expected = ctx.exercise.probes.get(probe, lambda fn, *a: fn(*a))(trusted, *ctx.args(case))
            mismatch = trees.compare(got, expected, ctx.exercise.leaf_names)
            if mismatch is not None:
                hint = diagnose(ctx, probe, case, got, expected) or mismatch.hint
                return Outcome(False, f"On {ctx.label(case)}: {mismatch.message}", hint)
        return Outcome(True)
    return Check(name, describe, run, weight, requires)


def _has_container(value) -> bool:
    return isinstance(value, (tuple, list, dict)) and any(
        isinstance(v, (tuple, list, dict)) or hasattr(v, "shape") for v in
        (value.values() if isinstance(value, dict) else value))


def accepts_pytrees(*, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The function runs on every case whose arguments include a tuple, list or dict of arrays.

    A TypeError there (`lr * (a, b)`, `(a, b) - (c, d)`) gets the `tree_arithmetic` hint.
    Cases without such arguments are skipped; values are checked elsewhere.
    """
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            if not any(_has_container(a) for a in case.args):
                continue
            try:
                ctx.call(ctx.fn, *ctx.args(case))
            except StudentCodeError as err:
                hint = "tree_arithmetic" if (err.hint == "student_exception"
                                             and err.message.split(":\n", 1)[-1].startswith("TypeError")) else err.hint
                return Outcome(False, f"On {ctx.label(case)}: {err.message}", hint)
        return Outcome(True)
    return Check("pytrees", "works when the parameters are a tuple or dict of arrays", run, weight, requires)
