"""Random draws judged by their behaviour: mini-batches of data, and parameters drawn with keys.

A mini-batch `(x_batch, y_batch) = f(key, x, y, batch_size)` must have the
right size, hold pairs (x[i], y[i]) that belong together, and, over many keys,
draw every sample about equally often. Randomly initialised parameters must not
share draws: two arrays drawn with the same key hold the same numbers (JAX's
generator gives a longer draw with the same key the same leading values).
Inputs of the batch checks must have distinct x values (rows), so that each
batch entry can be traced back to its index. Every result is checked against
the exercise's declared form (`Exercise.returns`, through `Context.output`)
before anything is computed on it; the keys of the frequency check are drawn
from the course's hidden seed when grading (`Context.key_seeds`).
"""
from __future__ import annotations


import jax
import numpy as np

from . import cases, trees
from .types import Check, Key, Problem

# The frequency check draws this many batches; each sample is then expected
# about N_KEYS * batch_size / n times (at least 40 times for the cases used).
N_KEYS = 60


def _rows(a) -> list:
    a = np.asarray(a)
    return [a[i].tobytes() for i in range(a.shape[0])]


def batch_shape(*, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The result is a pair (x_batch, y_batch) of the exercise's declared form: batch_size samples,
    x_batch shaped (batch_size,) + x.shape[1:], y_batch likewise."""
    def judge(ctx, case) -> None:
        ctx.output(ctx.args(case))
    return Check("batch_shape", "returns (x_batch, y_batch) of batch_size samples", cases.each(judge), weight,
                 requires)


def aligned_pairs(*, x_argnum: int = 1, y_argnum: int = 2, weight: float = 1.0,
                  requires: tuple[str, ...] = ()) -> Check:
    """Every (x_batch[i], y_batch[i]) is a pair (x[j], y[j]) of the data."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        x_batch, y_batch = ctx.output(args)
        index = {row: j for j, row in enumerate(_rows(args[x_argnum]))}
        y_rows = _rows(args[y_argnum])
        for i, (x_row, y_row) in enumerate(zip(_rows(x_batch), _rows(y_batch))):
            j = index.get(x_row)
            if j is None:
                return Problem(f"x_batch[{i}] is not a sample of x.", "wrong_value")
            if y_rows[j] != y_row:
                return Problem(f"x_batch[{i}] is x[{j}] but y_batch[{i}] is not y[{j}].", "misaligned_batch")
        return None
    return Check("aligned_pairs", "each x in the batch comes with its own y", cases.each(judge), weight, requires)


def every_sample_drawn(*, key_argnum: int = 0, x_argnum: int = 1, min_ratio: float = 0.3,
                       weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Over N_KEYS keys (`Context.key_seeds`), every sample is drawn at least `min_ratio` times as often
    as expected.

    With at least 40 expected draws per sample (Poisson), a fair sampler falls
    below 0.3 of that with probability under 1e-7 per sample.
    """
    def judge(ctx, case) -> Problem | None:
        x = ctx.args(case)[x_argnum]
        index = {row: j for j, row in enumerate(_rows(x))}
        counts = np.zeros(len(index))
        for seed in ctx.key_seeds("every_sample_drawn", range(1000, 1000 + N_KEYS)):
            x_batch, _ = ctx.output(ctx.args(case.with_args({key_argnum: Key(seed)})))
            for row in _rows(x_batch):
                if row in index:
                    counts[index[row]] += 1
        expected = counts.sum() / counts.size
        rare = np.flatnonzero(counts < min_ratio * expected)
        if rare.size:
            return Problem(f"over {N_KEYS} keys, sample {int(rare[0])} was drawn {int(counts[rare[0]])} times, "
                           f"expected about {expected:.0f} ({rare.size} samples drawn too rarely).",
                           "batch_misses_samples")
        return None
    return Check("every_sample_drawn", "over many keys, every sample is drawn about equally often",
                 cases.each(judge), weight, requires)


def no_shared_draws(*, max_shared: float = 0.2, weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """No two array leaves of the output share more than `max_shared` of their values.

    Independent float32 normal draws essentially never coincide; two arrays drawn
    with the same key coincide in most entries (the shorter one is a prefix of
    the longer one, up to the same scale factor). An array of one repeated value
    (zeros, say) was not drawn at all: it is left to the distribution checks.
    """
    def judge(ctx, case) -> Problem | None:
        out = ctx.output(ctx.args(case))
        leaves = [(jax.tree_util.keystr(path), np.unique(np.asarray(leaf, np.float32).ravel()))
                  for path, leaf in jax.tree_util.tree_flatten_with_path(out)[0]
                  if not trees.is_constant(leaf)]
        for i, (path_a, a) in enumerate(leaves):
            for path_b, b in leaves[i + 1:]:
                if min(a.size, b.size) == 0:
                    continue
                shared = np.intersect1d(a, b, assume_unique=True).size / min(a.size, b.size)
                if shared > max_shared:
                    return Problem(f"{path_a} and {path_b} share {shared:.0%} of their values: they were drawn "
                                   f"with the same key.", "shared_draws")
        return None
    return Check("no_shared_draws", "every array is drawn with its own key", cases.each(judge), weight, requires)
