"""Index splits judged by their behaviour: a partition of range(n), stratified by class, drawn with the key.

A split function returns a tuple of 1-D integer index arrays, for example `(train, test)` from
`stratified_split(key, labels, test_fraction)` or `(train, val, test)` from
`split_indices(key, n, n_val, n_test)`. Its result depends on the key, so it is not compared with a
reference; instead:

- `partition`: the parts are disjoint and together exactly range(n), of the given lengths;
- `stratified`: each class has floor(fraction * n_k) of its n_k indices in the test part;
- `shuffled`: over many keys (`Context.key_seeds`, drawn from the hidden seed when grading), every
  index lands in a part about as often as expected, so that the split is drawn with the key.

Every result is read for its form first (a tuple of 1-D integer arrays, of the exercise's declared
form when it declares one, `Context.output`), before anything is computed on it.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import cases, trees
from .errors import StudentCodeError
from .types import Check, Key, Problem

# The frequency check draws this many splits. A part holding a share p of a group's indices puts each of
# them there about N_KEYS * p times; a split that ignores the key puts each 0 or N_KEYS times. With the
# bounds below (FALSE_FAILURE over 1000 indices), N_KEYS times is out of bounds for p below 0.8 and 0 times
# for p above 0.22 (for p = 0.25 the bounds are 1 and 59 times): a split that ignores its key fails for any
# p between 0 and 1.
N_KEYS = 100

# Probability that a correct, random split fails `shuffled` on one case (all indices together).
FALSE_FAILURE = 1e-9


def _parts(ctx, args, n_parts: int | None) -> tuple[np.ndarray, ...]:
    """The result as a tuple of 1-D integer numpy arrays; a StudentCodeError (with its hint) when it is not.

    The exercise's declared form (`Exercise.returns`) is checked first when there is one.
    """
    out = ctx.output(args) if ctx.exercise.returns is not None else ctx.call(ctx.fn, *args)
    if not isinstance(out, (tuple, list)) or (n_parts is not None and len(out) != n_parts):
        expected = f"a tuple of {n_parts} index arrays" if n_parts else "a tuple of index arrays"
        raise StudentCodeError("wrong_structure", f"expected {expected}, got {trees.describe(out)}.")
    parts = []
    for i, part in enumerate(out):
        if not (hasattr(part, "shape") and hasattr(part, "dtype")) or trees.is_key_array(part):
            raise StudentCodeError("wrong_structure", f"part {i} is {trees.describe(part)}, not an array of indices.")
        if len(part.shape) != 1:
            raise StudentCodeError("wrong_shape", f"part {i} has shape {tuple(part.shape)}, expected a 1-D array "
                                                  f"of indices ({trees.describe(part)}).")
        kind = np.dtype(part.dtype).kind if part.dtype != object else "O"
        if kind not in "iu":
            what = "a boolean mask" if kind == "b" else f"dtype {part.dtype}"
            raise StudentCodeError("wrong_dtype", f"part {i} is {what}, expected integer indices "
                                                  f"(e.g. int32).")
        parts.append(np.asarray(part).astype(np.int64))
    return tuple(parts)


def _part_name(i: int, n_parts: int) -> str:
    names = {2: ("train", "test"), 3: ("train", "val", "test")}.get(n_parts)
    return f"part {i} ({names[i]})" if names else f"part {i}"


def partition(*, n: Callable[..., int], sizes: Callable[..., tuple] | None = None, name: str = "partition",
              describe: str = "the parts are disjoint and together hold every index once",
              weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The result is a tuple of 1-D integer index arrays, pairwise disjoint, together exactly range(n(*args)),
    of lengths sizes(*args) when given (hints wrong_structure, wrong_dtype, wrong_shape, indices_overlap,
    indices_missing)."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        total = int(n(*args))
        lengths = tuple(int(s) for s in sizes(*args)) if sizes is not None else None
        parts = _parts(ctx, args, len(lengths) if lengths else None)
        for i, part in enumerate(parts):
            if lengths and part.size != lengths[i]:
                return Problem(f"{_part_name(i, len(parts))} has {part.size} indices, expected {lengths[i]}.",
                               "wrong_shape")
        for i, part in enumerate(parts):
            outside = part[(part < 0) | (part >= total)]
            if outside.size:
                return Problem(f"{_part_name(i, len(parts))} holds index {int(outside[0])}, which is not in "
                               f"range({total}).", "indices_missing")
        for i, part in enumerate(parts):
            values, counts = np.unique(part, return_counts=True)
            if np.any(counts > 1):
                return Problem(f"index {int(values[counts > 1][0])} appears {int(counts.max())} times in "
                               f"{_part_name(i, len(parts))}.", "indices_overlap")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                shared = np.intersect1d(parts[i], parts[j])
                if shared.size:
                    return Problem(f"{shared.size} indices (the first: {int(shared[0])}) are in both "
                                   f"{_part_name(i, len(parts))} and {_part_name(j, len(parts))}.",
                                   "indices_overlap")
        found = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        missing = np.setdiff1d(np.arange(total), found)
        if missing.size:
            return Problem(f"{missing.size} of the {total} indices are in no part (the first: {int(missing[0])}).",
                           "indices_missing")
        return None
    return Check(name, describe, cases.each(judge), weight, requires)


def _test_counts(fraction: float, counts: np.ndarray) -> list[set[int]]:
    """Allowed test counts per class: floor(fraction * n_k), either way of a product that lands on an integer
    up to rounding (0.29 * 100 is 28.999999999999996 in float64, 29.000002 in float32)."""
    return [{math.floor(fraction * c * (1 - 1e-6)), math.floor(fraction * c * (1 + 1e-6))} for c in counts]


def stratified(*, labels_argnum: int, fraction_argnum: int, test_position: int = 1, name: str = "stratified",
               describe: str = "each class has floor(test_fraction * n_k) of its samples in the test part",
               weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """The part at `test_position` holds floor(fraction * n_k) indices of each class k, n_k the number of
    labels of class k; its indices are indices of `labels`. Hints: unstratified_split; split_parts_swapped
    when another part holds those counts; test_count_rounding when the counts are rounded (or rounded up)."""
    def judge(ctx, case) -> Problem | None:
        args = ctx.args(case)
        labels = np.asarray(args[labels_argnum]).astype(np.int64)
        fraction = float(args[fraction_argnum])
        parts = _parts(ctx, args, None)
        if test_position >= len(parts):
            return Problem(f"expected at least {test_position + 1} index arrays, got {len(parts)}.",
                           "wrong_structure")
        test = parts[test_position]
        if np.any((test < 0) | (test >= labels.size)):
            return Problem(f"the test part holds indices outside range({labels.size}).", "indices_missing")
        classes, n_k = np.unique(labels, return_counts=True)
        allowed = _test_counts(fraction, n_k)

        def counts_in(part):
            return np.array([np.sum(labels[part[(part >= 0) & (part < labels.size)]] == k) for k in classes])

        in_test = counts_in(test)
        wrong = [i for i, (count, ok) in enumerate(zip(in_test, allowed)) if int(count) not in ok]
        if not wrong:
            return None
        i = wrong[0]
        found = (f"class {int(classes[i])} has {int(in_test[i])} of its {int(n_k[i])} samples in the test part, "
                 f"expected floor({fraction:g} * {int(n_k[i])}) = {min(allowed[i])} (test counts by class: "
                 f"{in_test.tolist()} for class sizes {n_k.tolist()})")
        for j, part in enumerate(parts):
            if j != test_position and all(int(c) in ok for c, ok in zip(counts_in(part), allowed)):
                return Problem(f"{found}; part {j} holds the test counts instead.", "split_parts_swapped")
        rounded = [{round(fraction * c), math.ceil(fraction * c * (1 - 1e-6))} | ok for c, ok in zip(n_k, allowed)]
        if all(int(c) in ok for c, ok in zip(in_test, rounded)):
            return Problem(f"{found}: rounded, not floored.", "test_count_rounding")
        return Problem(f"{found}.", "unstratified_split")
    return Check(name, describe, cases.each(judge), weight, requires)


def _log_binomial_pmf(trials: int, p: float) -> np.ndarray:
    k = np.arange(trials + 1)
    if p <= 0.0 or p >= 1.0:
        return np.where(k == (0 if p <= 0.0 else trials), 0.0, -np.inf)
    log_choose = np.array([math.lgamma(trials + 1) - math.lgamma(i + 1) - math.lgamma(trials - i + 1) for i in k])
    return log_choose + k * math.log(p) + (trials - k) * math.log1p(-p)


def binomial_bounds(trials: int, p: float, tail: float) -> tuple[int, int]:
    """(lo, hi): a Binomial(trials, p) count falls below lo, or above hi, each with probability at most `tail`."""
    pmf = np.exp(_log_binomial_pmf(trials, p))
    below = np.cumsum(pmf)                          # P(X <= k)
    above = np.cumsum(pmf[::-1])[::-1]              # P(X >= k)
    lo = int(np.argmax(below > tail))               # the smallest k with P(X <= k) > tail: P(X < lo) <= tail
    hi = int(trials - np.argmax(above[::-1] > tail))  # the largest k with P(X >= k) > tail
    return lo, hi


def shuffled(*, key_argnum: int = 0, position: int = 1, groups: Callable | None = None, name: str = "shuffled",
             describe: str = "over many keys, every index lands in the part about as often as expected",
             weight: float = 1.0, requires: tuple[str, ...] = ()) -> Check:
    """Over N_KEYS keys (`Context.key_seeds`), each index lands in the part at `position` about as often as
    the indices of its group do on average (hint split_not_random).

    groups(*args) -> an integer group per index (for a stratified split: the labels), None: one group. The
    number of times index i lands in the part is compared with Binomial(N_KEYS, p_g), p_g the mean share of
    its group g found in the part; outside bounds that a random split leaves with probability
    FALSE_FAILURE (over all indices), the split is not drawn with the key. The result's form is read as in
    `partition` (a tuple of 1-D integer index arrays).
    """
    def judge(ctx, case) -> Problem | None:
        counts = None
        n_total = None
        for seed in ctx.key_seeds(name, range(2000, 2000 + N_KEYS)):
            args = ctx.args(case.with_args({key_argnum: Key(seed)}))
            if counts is None:
                n_total = int(np.asarray(groups(*args)).size) if groups is not None else None
            parts = _parts(ctx, args, None)
            if position >= len(parts):
                return Problem(f"expected at least {position + 1} index arrays, got {len(parts)}.", "wrong_structure")
            if n_total is None:
                n_total = int(sum(p.size for p in parts))
            part = parts[position]
            if np.any((part < 0) | (part >= n_total)):
                return Problem(f"part {position} holds indices outside range({n_total}).", "indices_missing")
            if counts is None:
                counts = np.zeros(n_total, np.int64)
            counts[np.unique(part)] += 1
        group = (np.asarray(groups(*ctx.args(case))).astype(np.int64).ravel() if groups is not None
                 else np.zeros(n_total, np.int64))
        tail = FALSE_FAILURE / (2 * n_total)
        for g in np.unique(group):
            members = np.flatnonzero(group == g)
            p = float(counts[members].mean()) / N_KEYS
            lo, hi = binomial_bounds(N_KEYS, p, tail)
            off = members[(counts[members] < lo) | (counts[members] > hi)]
            if off.size:
                i = int(off[0])
                which = f" (group {int(g)})" if groups is not None else ""
                return Problem(f"over {N_KEYS} keys, index {i}{which} was in part {position} {int(counts[i])} "
                               f"times, expected about {N_KEYS * p:.0f} ({off.size} indices too often or too "
                               f"rarely): the split does not change with the key as a random one does.",
                               "split_not_random")
        return None
    return Check(name, describe, cases.each(judge), weight, requires)
