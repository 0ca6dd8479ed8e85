"""Declarative descriptions of graded exercises.

An `Exercise` says which function is graded, on which inputs (`Case`), by which
checks with which weights, and how many points its visible and hidden test cells
are worth. It is the single source of truth read by the test cells, the reference
builder, the demo cohort and the tests.

An exercise comes in two halves. The public half (`grader/exercises/<assignment>.py`,
shipped to students) has the signature, the public cases, the probes and the
visible checks. The instructor half (`Instructor`, in the course's
`instructor/exercises/<assignment>.py`, never shipped) has what would give answers
away: the hidden-case generator, the hidden checks, the oracles, and the corpus of
mistakes and correct alternatives. `Exercise.complete` joins them.

The types a description is made of (`Case`, `Key`, `Fn`, `Check`, `Part`) belong to the
check library (`grader.checks.types`); they are re-exported here for the descriptions.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..checks.types import Case, Check, Fn, Key, Outcome, Part

__all__ = ["Key", "Fn", "Case", "Outcome", "Check", "Part", "Snippet", "Instructor", "Exercise", "Assignment"]


@dataclass(frozen=True)
class Snippet:
    """Source code of one implementation of the exercise's function.

    Used for mistakes (a wrong implementation and the hint it should get) and for
    alternatives (a different but correct implementation). `gap` says why a
    mistake is known to slip through the checks (counted apart by the audit).
    """
    code: str
    hint: str | None = None
    note: str = ""
    gap: str = ""


@dataclass(frozen=True)
class Instructor:
    """The instructor-only half of an exercise: never shipped, never readable by graded code.

    hidden_checks: the checks of the hidden test cell.
    hidden_cases: rng -> inputs drawn when the reference data is built; stored with the
      hidden data only.
    oracles: name -> f(*stored case args) giving a pytree of arrays; an independent
      computation (for example `jnp.linalg.lstsq` in float64, or `optax.adam`) whose
      outputs are stored with the reference data of every case, for checks made with
      `oracle=name`.
    mistakes, alternatives: the corpus. What each mistake with a hint produces on every
      case is stored with the reference data (numbers only), so that checks name the
      hint without the mistake's code.
    public_cases: the public cases, when the code that makes them would show an answer
      (a design matrix built for least_squares' inputs, say); the cases themselves are
      stored with the public data as usual.
    equivalent_mutants: mutant id (as `grader audit --mutants` names it) -> why that mutant
      of the solution is correct too, or why no check should catch it; the mutation report
      counts it as equivalent instead of as a survivor.
    """
    hidden_checks: tuple[Check, ...]
    hidden_cases: Callable[[Any], Sequence[Case]]
    mistakes: Sequence[Snippet] = ()
    alternatives: Sequence[Snippet] = ()
    oracles: dict[str, Callable] = field(default_factory=dict)
    public_cases: Sequence[Case] | Callable[[], Sequence[Case]] | None = None
    equivalent_mutants: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    """One graded function of an assignment.

    probes: name -> f(student_fn, *args) giving a pytree of arrays; the reference
      builder stores each probe of the reference solution, `matches_reference`
      compares the student's probe with it.
    leaf_names: names for students of the leaves of a result, by path as
      jax.tree_util.keystr gives it: {"[0]": "params"} for the function's own
      output, or per probe: {"gradient": {"[0]": "dL/dm"}, "output": {...}}.
    returns: f(*args) -> the form of the function's result on those arguments: a pytree of
      jax.ShapeDtypeStruct (structure, shapes, float dtype). Checks that compute on the result
      without a stored reference to compare it with (distributions, draws, batches, trained
      parameters) check it against this form first (`Context.output`); None when no check needs it.
    public_cases: inputs students can see (visible test cell), or a function
      that makes them (for inputs drawn with JAX, so that importing the
      description stays cheap); `visible_cases` gives the list. They are stored
      with the public reference data, which is what test cells read. None when
      the instructor half makes them (`Instructor.public_cases`).
    visible, hidden: the two test cells; `hidden` in the public half has its points only. These points
      are the one source of the exercise's points: the source notebook's test cells must give the same
      (`grader scaffold` writes them there; `validation` compares them when the instructor half loads).
    instructor: the instructor half once `complete` joined it (None in a student's install).
    """
    name: str
    signature: str
    visible: Part
    hidden: Part
    public_cases: Sequence[Case] | Callable[[], Sequence[Case]] | None = None
    probes: dict[str, Callable] = field(default_factory=dict)
    functions: dict[str, Callable] = field(default_factory=dict)
    static_argnums: tuple[int, ...] = ()
    leaf_names: dict = field(default_factory=dict)
    returns: Callable[..., Any] | None = None
    instructor: Instructor | None = None

    def complete(self, instructor: Instructor) -> "Exercise":
        """This exercise with its instructor half: the hidden checks, generators, oracles and corpus."""
        public_cases = self.public_cases if instructor.public_cases is None else instructor.public_cases
        if public_cases is None:
            raise ValueError(f"{self.name}: neither half of the exercise gives its public cases")
        return dataclasses.replace(self, hidden=Part(self.hidden.points, tuple(instructor.hidden_checks)),
                                   instructor=instructor, public_cases=public_cases)

    @property
    def mistakes(self) -> Sequence[Snippet]:
        return self._instructor().mistakes

    @property
    def alternatives(self) -> Sequence[Snippet]:
        return self._instructor().alternatives

    @property
    def oracles(self) -> dict[str, Callable]:
        return self._instructor().oracles

    def hidden_cases(self, rng) -> Sequence[Case]:
        return self._instructor().hidden_cases(rng)

    def _instructor(self) -> Instructor:
        if self.instructor is None:
            raise LookupError(f"{self.name}: this is the public half of the exercise; the hidden cases, "
                              "oracles and corpus are in the instructor's material "
                              "(grader.exercises.load(..., instructor=True))")
        return self.instructor

    @functools.cached_property
    def visible_cases(self) -> list[Case]:
        """The public inputs, made on first use (by the builder of the reference data)."""
        if self.public_cases is None:
            self._instructor()
        cases = self.public_cases() if callable(self.public_cases) else self.public_cases
        return list(cases)

    @property
    def grade_ids(self) -> dict[str, str]:
        """nbgrader grade ids of the solution cell and of the two test cells."""
        return {"solution": self.name, "visible": f"test_{self.name}",
                "hidden": f"test_{self.name}_hidden"}

    def names_for(self, probe: str) -> dict[str, str]:
        """Leaf names for the result of `probe` ("output": the function's own result)."""
        if any(isinstance(v, dict) for v in self.leaf_names.values()):
            return self.leaf_names.get(probe, {})
        return self.leaf_names if probe == "output" else {}

    def part(self, which: str) -> Part:
        return {"visible": self.visible, "hidden": self.hidden}[which]

    @property
    def points(self) -> float:
        return self.visible.points + self.hidden.points

    def reference_probes(self, which: str) -> list[str]:
        """Probes of the reference solution stored for part `which`: those its checks compare with."""
        return sorted({c.probe for c in self.part(which).checks if c.probe})

    def oracle_names(self, which: str) -> list[str]:
        """Oracles whose outputs are stored for part `which`."""
        return sorted({c.oracle for c in self.part(which).checks if c.oracle})

    def diagnosed_probes(self, which: str) -> list[str]:
        """Probes on which the known mistakes' outputs are stored for part `which`."""
        return sorted({c.diagnosed_on for c in self.part(which).checks if c.diagnosed_on})


@dataclass(frozen=True)
class Assignment:
    """An nbgrader assignment: its name and its graded exercises, in notebook order."""
    name: str
    exercises: Sequence[Exercise]

    def __getitem__(self, name: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.name == name:
                return exercise
        raise KeyError(f"assignment {self.name!r} has no exercise {name!r}; "
                       f"exercises: {[e.name for e in self.exercises]}")

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)
