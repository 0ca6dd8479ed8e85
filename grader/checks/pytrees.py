"""Functions meant for any pytree of parameters (an array, a tuple, a list of layers, a dict).

`works_on_pytrees` calls the function on each case and checks that the result
has the structure of argument `argnum` (lists and tuples alike); a TypeError on
a tuple, list or dict argument means the code only handles single arrays.
"""
from __future__ import annotations


from ..exercises.spec import Check, Outcome
from . import trees
from .errors import StudentCodeError


def works_on_pytrees(argnum: int = 0, *, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) runs and returns a pytree with the same leaves layout as args[argnum]."""
    def run(ctx) -> Outcome:
        for case in ctx.cases:
            args = ctx.args(case)
            container = isinstance(args[argnum], (tuple, list, dict))
            try:
                out = ctx.call(ctx.fn, *args)
            except StudentCodeError as err:
                hint = "not_pytree" if container and err.hint == "student_exception" else err.hint
                return Outcome(False, f"On {ctx.label(case)}: {err.message}", hint)
            if trees._leaves(out) and [p for p, _ in trees._leaves(out)] != [p for p, _ in trees._leaves(args[argnum])]:
                return Outcome(False, f"On {ctx.label(case)}: expected the structure of the parameters, "
                                      f"{trees.describe(args[argnum])}, got {trees.describe(out)}.",
                               "not_pytree" if container else "wrong_structure")
        return Outcome(True)
    return Check("pytrees", "works for any pytree of parameters", run, weight, requires)


__all__ = ["works_on_pytrees"]
