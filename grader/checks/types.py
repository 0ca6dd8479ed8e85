"""The check library's types: what a case holds, what a check is and finds, a test cell's checks.

Inputs are stored as plain data: `Case.args` holds numpy arrays, numbers, tuples,
lists, dicts, and `Key` / `Fn` for a PRNG key and a named function.
`grader.exercises.spec` builds exercise descriptions from these types; the check
library itself never reads a description beyond what `Graded` names.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Protocol


@dataclass(frozen=True)
class Key:
    """A PRNG key in a stored case: becomes `jax.random.key(seed)` when called."""
    seed: int


@dataclass(frozen=True)
class Fn:
    """A named function in a stored case (looked up in the exercise's `functions`)."""
    name: str


@dataclass(frozen=True)
class Case:
    """One input to the graded function: positional `args`, and a short label for messages.

    `extra` holds data the checks use but the function does not receive (for
    example validation data to judge a trained model on).
    """
    args: tuple
    label: str = ""
    extra: tuple = ()

    def with_args(self, replacements: dict[int, Any]) -> "Case":
        """This case with the arguments at the given positions replaced (label and extra kept)."""
        return dataclasses.replace(self, args=tuple(replacements.get(i, a) for i, a in enumerate(self.args)))


@dataclass(frozen=True)
class Outcome:
    """What one check found: passed or not, a message for the student, a hint id."""
    passed: bool
    message: str = ""
    hint: str | None = None


@dataclass(frozen=True)
class Problem:
    """What is wrong on one case: a message without the case's label, and a hint id (see `cases.each`)."""
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Check:
    """One graded property of a student's function.

    `run(ctx)` returns an `Outcome`; `weight` shares out the points of the part;
    a check whose `requires` (names of earlier checks of the same part) did not pass
    is not assessed and earns nothing.
    `evidence`: the check shows that the function does its job (values, a distribution, a
    trained model's loss). A property that any constant or stub also has (inputs unchanged,
    the same key gives the same result, no key reused, works under jit) is not evidence: it
    earns its points only when some evidence check of the same part passed.
    `hints`: the hint ids the description chose for this check (its `hint=`, `value_hint=` ...
    arguments), checked against the catalogue when the description loads.
    """
    name: str
    describe: str
    run: Callable[[Any], Outcome]
    weight: float = 1.0
    requires: tuple[str, ...] = ()
    probe: str | None = None  # the reference probe this check compares with, if any
    oracle: str | None = None  # the instructor's oracle whose stored outputs this check compares with
    diagnosed_on: str | None = None  # the probe on which known mistakes' stored outputs name the hint
    evidence: bool = True
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """The checks of one test cell (visible or hidden) and its points.

    The public half of an exercise gives its hidden part's points only; the checks
    come with the instructor half.
    """
    points: float
    checks: tuple[Check, ...] = ()

    def points_of(self, check_name: str) -> float:
        """Points the named check is worth in this part."""
        total = sum(c.weight for c in self.checks)
        for check in self.checks:
            if check.name == check_name:
                return self.points * check.weight / total
        raise KeyError(f"no check {check_name!r} in this part; checks: {[c.name for c in self.checks]}")


class Graded(Protocol):
    """What the checks read of the exercise they grade (`grader.exercises.spec.Exercise` is one).

    functions: name -> function, for `Fn` in cases. probes: name -> f(student_fn, *args).
    returns: f(*args) -> the declared form of the result (a pytree of jax.ShapeDtypeStruct), or None.
    """
    name: str
    functions: dict[str, Callable]
    probes: dict[str, Callable]
    static_argnums: tuple[int, ...]
    returns: Callable[..., Any] | None

    def names_for(self, probe: str) -> dict[str, str]:
        """Names for students of the leaves of `probe`'s result, by path."""

    def part(self, which: str) -> Part:
        """The "visible" or "hidden" part."""
