"""Functions meant for any pytree of parameters (an array, a tuple, a list of layers, a dict).

`works_on_pytrees` calls the function on each case. When an argument is a
tuple, list or dict of arrays and the call fails, the classic cause is Python
arithmetic on the container (`lr * (a, b)`), hint `tree_arithmetic`. With
`argnum`, the result must also have the structure of that argument (lists
and tuples alike).
"""
from __future__ import annotations

from . import cases, trees
from .types import Check, Problem


def _is_tree(value) -> bool:
    """A non-empty tuple, list or dict (of numbers or arrays): parameters as a pytree."""
    return isinstance(value, (tuple, list, dict)) and len(value) > 0


def works_on_pytrees(argnum: int | None = 0, *, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """fn(*args) runs on pytree arguments; with `argnum`, it returns the structure of args[argnum].

    With argnum=None only the cases that hold a container argument are run.
    """
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        has_tree = any(_is_tree(a) for a in args)
        if argnum is None and not has_tree:
            return None
        out = ctx.call(ctx.fn, *args, unrecognised="tree_arithmetic" if has_tree else None)
        if argnum is not None and trees.structure(out) != trees.structure(args[argnum]):
            return Problem(f"expected the structure of the parameters, {trees.describe(args[argnum])}, "
                           f"got {trees.describe(out)}.",
                           "tree_arithmetic" if _is_tree(args[argnum]) else "wrong_structure")
        return None
    return Check("pytrees", "works for any pytree of parameters", cases.each(judge), weight, requires,
                 evidence=False)
