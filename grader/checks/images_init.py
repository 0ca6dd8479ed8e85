"""Initial weights of a network whose layers have scales of their own (He initialisation).

`sampling.no_shared_draws` tells two arrays drawn with one key apart by their equal values; with a
scale per layer, W = sqrt(2 / fan_in) * N(0, 1), two layers drawn with one key hold the same
standard-normal numbers at different scales. JAX's generator gives a longer draw with the same key
the same leading values (flattened), so the weights divided by their scales share a prefix.
`layers_drawn_apart` compares the leading values of every pair of such arrays.
"""
from __future__ import annotations

import numpy as np

from . import cases, trees
from .types import Check, Problem

# Two arrays share their draws when at least this many leading values agree (and all of the shorter's, up
# to MIN_SHARED of them): independent float32 normal draws essentially never agree within RTOL.
MIN_SHARED = 8
RTOL = 1e-4


def layers_drawn_apart(samples, *, name: str = "layers_drawn_apart",
                       describe: str = "every layer's weights are drawn with a key of their own",
                       hint: str = "shared_draws", weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """`samples(output, args)` -> {what the array is, for messages: its values divided by their scale} (the
    output has the exercise's declared form, `Context.output`); no two arrays may start with the same
    numbers. Arrays of one repeated value (not drawn at all) are left to the distribution checks."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        arrays = [(what, np.asarray(a, np.float64).ravel()) for what, a in samples(ctx.output(args), args).items()]
        arrays = [(what, a) for what, a in arrays if a.size and not trees.is_constant(a)]
        for i, (what_a, a) in enumerate(arrays):
            for what_b, b in arrays[i + 1:]:
                m = min(a.size, b.size, MIN_SHARED)
                if np.allclose(a[:m], b[:m], rtol=RTOL, atol=1e-6):
                    return Problem(f"{what_a} and {what_b}, divided by their scales, start with the same numbers "
                                   f"({np.array2string(a[:3], precision=4)}...): they were drawn with the same key.",
                                   hint)
        return None
    return Check(name, describe, cases.each(judge), weight, requires, hints=(hint,))
