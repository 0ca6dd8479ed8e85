"""What a check sees: the student's function, the inputs, the reference outputs.

Stored inputs are plain data (numpy arrays, numbers, `Key`, `Fn`); `materialize`
turns them into what the function is called with (JAX arrays, typed PRNG keys,
named functions). Every call into student code goes through `Context.call`, which
turns an exception into a `StudentCodeError` carrying a hint. A check that computes
on the function's result without a reference to compare it with gets the result
from `Context.output`, which first checks it against the exercise's declared form
(`Exercise.returns`): a result of the wrong shape fails at once, before anything
proportional to its size times another is made. The keys a behavioural check
chooses itself come from `Context.key_seeds`: drawn from the course's hidden seed
when grading, so that they cannot be read in the public code.
"""
from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from . import errors, trees
from .types import Case, Fn, Graded, Key


def _register_readonly_mapping() -> None:
    """Let JAX treat read-only mappings (types.MappingProxyType) as pytrees, like dicts."""
    try:
        jax.tree_util.register_pytree_with_keys(
            types.MappingProxyType,
            lambda m: ([(jax.tree_util.DictKey(k), v) for k, v in m.items()], tuple(m.keys())),
            lambda keys, values: types.MappingProxyType(dict(zip(keys, values))))
    except ValueError:  # already registered
        pass


_register_readonly_mapping()


def materialize(value, functions: dict[str, Callable], readonly_numpy: bool = False):
    """Stored input -> call argument.

    Arrays become JAX arrays; with `readonly_numpy`, numpy copies with
    writeable=False, and dicts become read-only mappings.
    """
    if isinstance(value, Key):
        return jax.random.key(value.seed)
    if isinstance(value, Fn):
        return functions[value.name]
    if isinstance(value, np.ndarray):
        if readonly_numpy:
            copy = np.array(value)
            copy.flags.writeable = False
            return copy
        return jnp.asarray(value)
    if isinstance(value, tuple):
        return tuple(materialize(v, functions, readonly_numpy) for v in value)
    if isinstance(value, list):
        return [materialize(v, functions, readonly_numpy) for v in value]
    if isinstance(value, dict):
        items = {k: materialize(v, functions, readonly_numpy) for k, v in value.items()}
        return types.MappingProxyType(items) if readonly_numpy else items
    return value


def label(case: Case, hidden: bool) -> str:
    """How a case is named to the student: its label, or for hidden inputs only their shapes."""
    if case.label and not hidden:
        return case.label
    parts = []
    for arg in case.args:
        if isinstance(arg, np.ndarray):
            parts.append(f"array of shape {arg.shape}")
        elif isinstance(arg, Key):
            parts.append("a key")
        elif isinstance(arg, Fn):
            parts.append("a function")
        elif hidden:
            parts.append(type(arg).__name__)
        else:
            parts.append(repr(arg))
    prefix = "a hidden input" if hidden else "input"
    return f"{prefix} ({', '.join(parts)})"


@dataclass
class Context:
    """Everything one check needs. `references[i][probe]` is the expected pytree for `cases[i]`;
    `mistakes[i][probe]` lists [hint, output] of the known mistakes on `cases[i]` (stored data)."""
    exercise: Graded
    fn: Callable
    cases: Sequence[Case]
    references: Sequence[dict[str, Any]] | None
    hidden: bool
    remote: Any = None   # a grader.judge.remote.Remote when the function lives in the student's kernel
    mistakes: Sequence[dict[str, list]] | None = None
    namespace: dict | None = None   # the notebook's names, for the student's other functions
    hidden_seed: int | None = None  # the assignment's hidden seed (grading); None on a student's install

    def student_function(self, name: str) -> Callable:
        """Another function of the student's notebook, by name (a building block the graded one uses)."""
        if self.remote is not None:
            return self.remote.student_function(name)
        found = (self.namespace or {}).get(name)
        if not callable(found):
            raise errors.StudentCodeError("not_defined", f"`{name}` is not defined: this check needs your "
                                                         f"`{name}` (run the cell that defines it).")
        return found

    def known_mistakes(self, case: Case, probe: str) -> list:
        """[(hint, output)] of the known mistakes on `case` for `probe`, in corpus order."""
        for stored_case, found in zip(self.cases, self.mistakes or ()):
            if stored_case is case:
                return [(hint, output) for hint, output in found.get(probe, [])]
        return []

    def args(self, case: Case, readonly_numpy: bool = False) -> tuple:
        return materialize(case.args, self.exercise.functions, readonly_numpy)

    def extra(self, case: Case) -> tuple:
        """The case's data for the checks only (not passed to the function)."""
        return materialize(case.extra, self.exercise.functions)

    def label(self, case: Case) -> str:
        return label(case, self.hidden)

    def call(self, fn: Callable, *args, doing: str = "", unrecognised: str | None = None):
        """fn(*args), with any exception turned into a StudentCodeError.

        unrecognised: the hint of an exception the catalogue does not recognise (`student_exception`),
        where the check knows what it means (any error under jax.jit: `not_jittable`).
        """
        try:
            return self._call(fn, args, doing, keep_inputs=False)[0]
        except errors.StudentCodeError as err:
            if unrecognised is None or err.hint != "student_exception":
                raise
            raise errors.StudentCodeError(unrecognised, err.message) from None

    def call_keeping_inputs(self, fn: Callable, *args, doing: str = "") -> tuple:
        """(fn(*args), the arguments as they are after the call), like `call`.

        When the student's function lives in a kernel (`remote`), a call involving it
        runs there and both come back as raw values; the arguments here are untouched.
        """
        return self._call(fn, args, doing, keep_inputs=True)

    def _call(self, fn: Callable, args: tuple, doing: str, keep_inputs: bool) -> tuple:
        if self.remote is not None:
            done = self.remote.call(fn, args, doing, keep_inputs)
            if done is not None:
                return done
        try:
            return fn(*args), args
        except Exception as exc:  # noqa: BLE001 (student code may raise anything)
            raise errors.from_exception(exc, doing) from None

    def probe(self, name: str, case: Case):
        """The named probe of the student's function on `case`."""
        probe = self.exercise.probes.get(name, _output)
        return self.call(probe, self.fn, *self.args(case))

    def output(self, args: tuple):
        """The student's function on `args`, checked against the form the exercise declares for its result
        (`Exercise.returns(*args)`) before any check computes on it. A result of another structure, shape,
        kind of number or a lower precision raises a StudentCodeError naming the leaf."""
        if self.exercise.returns is None:
            raise ValueError(f"exercise {self.exercise.name} declares no `returns` (the form of its result), "
                             f"which this check needs before it computes on the result")
        out = self.call(self.fn, *args)
        mismatch = trees.conforms(out, self.exercise.returns(*args), self.exercise.names_for("output"))
        if mismatch is not None:
            raise errors.StudentCodeError(mismatch.hint, mismatch.message)
        return out

    def key_seeds(self, purpose: str, public: Sequence[int]) -> list[int]:
        """Seeds of the keys a behavioural check calls the function with, one for each of `public`.

        When grading (the hidden seed known), drawn from the hidden seed, the exercise's name and
        `purpose` (another stream than the hidden cases'), distinct where `public`'s are and equal
        where they are equal; on a student's install, `public` itself.
        """
        if self.hidden_seed is None:
            return list(public)
        distinct = list(dict.fromkeys(public))
        rng = np.random.default_rng([self.hidden_seed, *self.exercise.name.encode(), 0, *purpose.encode()])
        drawn = dict(zip(distinct, (int(s) for s in rng.choice(2**31, size=len(distinct), replace=False))))
        return [drawn[seed] for seed in public]


def _output(fn, *args):
    return fn(*args)
