"""Compare a student's pytree with a reference pytree, leaf by leaf.

Order of checks, as in chex: structure, then for each leaf shape, dtype kind and
precision (`conforms`: nothing is computed on the values until these agree, so a
result of the wrong shape costs no more than its own size), then finiteness and
values. The first difference is reported with the leaf's path, its shape and
dtype, and the largest error.

The tolerance comes from the expected leaf's dtype, never from the result's: a
result cast to float16 is not compared at float16's tolerance, it fails (hint
`low_precision`).
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

# The precision the course computes in. A result is compared at its reference's precision, but never
# finer than float32: a float64 reference comes from Python floats among the inputs, not from a need for
# float64, and a float32 result agrees with it at float32's tolerance.
WORKING_PRECISION = np.dtype(np.float32)

# Tolerances by the precision a leaf is compared at (`compared_at`):
# rtol relative to each element, atol relative to the leaf's largest |value| (at least 1).
TOLERANCES = {
    np.dtype(jnp.bfloat16): (1e-2, 1e-2),
    np.dtype(np.float16): (1e-3, 1e-3),
    np.dtype(np.float32): (2e-5, 2e-6),
}

# A description of a pytree in a message is cut to this many characters.
DESCRIBE_LIMIT = 300


@dataclass(frozen=True)
class Mismatch:
    """The first difference found: a hint id and a message naming the leaf."""
    hint: str
    message: str


def describe(tree) -> str:
    """Short description of a pytree: `tuple(float32[], float32[3])`, cut to DESCRIBE_LIMIT characters."""
    text = _describe(tree)
    return text if len(text) <= DESCRIBE_LIMIT else text[:DESCRIBE_LIMIT - 3] + "..."


def _describe(tree) -> str:
    if isinstance(tree, (tuple, list)):
        inner = ", ".join(_describe(t) for t in tree)
        return f"{type(tree).__name__}({inner})"
    if isinstance(tree, dict):
        return "dict(" + ", ".join(f"{k}: {_describe(v)}" for k, v in tree.items()) + ")"
    if tree is None:
        return "None"
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        shape = ",".join(str(d) for d in tree.shape)
        if is_key_array(tree):
            return f"{tree.dtype}[{shape}] (a PRNG key)"
        return f"{np.dtype(tree.dtype).name}[{shape}]"
    return type(tree).__name__ + ("" if not isinstance(tree, (int, float)) else f" {tree!r}")


def leaves_with_paths(tree):
    """[(path string, leaf)] with lists and tuples treated alike."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: x is None)
    return [(jax.tree_util.keystr(path), leaf) for path, leaf in flat]


def leaf(tree, path: str):
    """The leaf of `tree` at `path` (a path as `leaves_with_paths` gives it), None if there is none."""
    return dict(leaves_with_paths(tree)).get(path)


def structure(tree) -> list[tuple]:
    """The path of every leaf, with lists and tuples alike but a dict apart (`{0: a}` is not `(a,)`)."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: x is None)
    return [tuple(k.idx if isinstance(k, jax.tree_util.SequenceKey) else repr(k) for k in path)
            for path, _ in flat]


def is_key_array(leaf) -> bool:
    """True for an array of typed PRNG keys (`jax.random.key`), which numpy cannot hold."""
    dtype = getattr(leaf, "dtype", None)
    return dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)


def is_constant(leaf) -> bool:
    """An array of more than one entry, all equal (zeros, say): not a draw."""
    x = np.asarray(leaf).ravel()
    return x.size > 1 and bool(np.all(x == x[0]))


def as_numpy(leaf) -> np.ndarray:
    """np.asarray(leaf); for typed PRNG keys, their raw key data (so that keys compare as data)."""
    return np.asarray(jax.random.key_data(leaf) if is_key_array(leaf) else leaf)


def _as_array(leaf) -> np.ndarray | None:
    if leaf is None or isinstance(leaf, (str, bytes)) or is_key_array(leaf):
        return None
    try:
        return np.asarray(leaf)
    except Exception:  # noqa: BLE001 (anything that is not array-like)
        return None


def _expected_array(leaf):
    """An expected leaf as something with .shape and .dtype: a stored array, a number, or a
    jax.ShapeDtypeStruct (a declared form, which has no values)."""
    return leaf if isinstance(leaf, jax.ShapeDtypeStruct) else _as_array(leaf)


def _is_float(dtype) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.floating))       # bfloat16 included (numpy does not know it)


def compared_at(expected_dtype) -> np.dtype:
    """The float dtype whose precision a result is compared at, given the expected leaf's float dtype:
    that dtype, or float32 (WORKING_PRECISION) when it is finer."""
    return max((np.dtype(expected_dtype), WORKING_PRECISION), key=lambda d: float(jnp.finfo(d).eps))


def tolerance(expected) -> tuple[float, float]:
    """(rtol, atol scale) for comparing a result with the array `expected`: from its dtype only."""
    if not _is_float(expected.dtype):
        return (0.0, 0.0)
    return TOLERANCES[compared_at(expected.dtype)]


def close(a, b) -> bool:
    """True when two pytrees agree in structure, shape and value (within the tolerance of `b`)."""
    return compare(a, b) is None


def conforms(actual, expected, leaf_names: dict[str, str] | None = None) -> Mismatch | None:
    """None when `actual` has the form of `expected`: the same structure, and leaf by leaf the same shape,
    a float dtype where a float is expected, at least the precision it is compared at; else the first
    `Mismatch`. Reads only shapes and dtypes (no value of `actual` is computed on).

    expected: a pytree of arrays and numbers (a reference) or of jax.ShapeDtypeStruct (a declared form).
    """
    leaf_names = leaf_names or {}
    if structure(actual) != structure(expected):
        return Mismatch("wrong_structure",
                        f"expected {describe(expected)}, got {describe(actual)}")
    for (path, a_leaf), (_, e_leaf) in zip(leaves_with_paths(actual), leaves_with_paths(expected)):
        name = leaf_names.get(path, f"leaf {path}" if path else "the result")
        a, e = _as_array(a_leaf), _expected_array(e_leaf)
        if a is None or a.dtype == object:
            return Mismatch("wrong_structure", f"{name}: expected an array {describe(e)}, got {describe(a_leaf)}")
        if a.shape != e.shape:
            if _broadcast_square(a.shape, e.shape):
                return Mismatch("broadcast_n1_vs_n", f"{name}: shape {a.shape}, expected {e.shape}")
            return Mismatch("wrong_shape",
                            f"{name}: shape {a.shape}, expected {e.shape} ({describe(a)} vs {describe(e)})")
        if _is_float(e.dtype) and not _is_float(a.dtype):
            return Mismatch("wrong_dtype", f"{name}: dtype {a.dtype}, expected a float dtype like {e.dtype}")
        if _is_float(e.dtype) and jnp.finfo(a.dtype).eps > jnp.finfo(compared_at(e.dtype)).eps:
            return Mismatch("low_precision", f"{name}: dtype {a.dtype} has fewer digits than the "
                                             f"{compared_at(e.dtype)} it is compared at")
    return None


def compare(actual, expected, leaf_names: dict[str, str] | None = None) -> Mismatch | None:
    """None when `actual` matches `expected` (a pytree of arrays and numbers); else the first `Mismatch`:
    of form first (`conforms`), then of values."""
    leaf_names = leaf_names or {}
    mismatch = conforms(actual, expected, leaf_names)
    if mismatch is not None:
        return mismatch
    for (path, a_leaf), (_, e_leaf) in zip(leaves_with_paths(actual), leaves_with_paths(expected)):
        name = leaf_names.get(path, f"leaf {path}" if path else "the result")
        mismatch = _compare_values(name, _as_array(a_leaf), _as_array(e_leaf))
        if mismatch:
            return mismatch
    return None


def _broadcast_square(got: tuple, want: tuple) -> bool:
    """(n, n) where (n,) or (n, 1) was expected: the signature of (n, 1) - (n,) broadcasting."""
    return len(got) == 2 and got[0] == got[1] > 1 and want in ((got[0],), (got[0], 1))


def _compare_values(name: str, a: np.ndarray, e: np.ndarray) -> Mismatch | None:
    """The first difference of values between arrays of one shape; the tolerance is `e`'s."""
    if not jnp.issubdtype(e.dtype, jnp.inexact):
        if np.array_equal(a, e):
            return None
        bad = np.argwhere(a != e)
        where = tuple(int(i) for i in bad[0]) if bad.size else ()
        return Mismatch("wrong_value", f"{name}: entry {where} is {a[where]!r}, expected {e[where]!r}")
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    finite_expected = np.isfinite(e64)
    if np.any(finite_expected & ~np.isfinite(a64)):
        where = tuple(int(i) for i in np.argwhere(finite_expected & ~np.isfinite(a64))[0])
        return Mismatch("not_finite", f"{name}: entry {where} is {a64[where]}, expected {e64[where]:.6g}")
    rtol, atol_scale = tolerance(e)
    scale = max(1.0, float(np.max(np.abs(e64[finite_expected]), initial=0.0)))
    ok = np.isclose(a64, e64, rtol=rtol, atol=atol_scale * scale, equal_nan=True)
    if ok.all():
        return None
    err = np.where(ok, 0.0, np.abs(a64 - e64))
    err = np.where(np.isnan(err), np.inf, err)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    where = tuple(int(i) for i in where)
    at = f" at index {where}" if where else ""
    return Mismatch("wrong_value",
                    f"{name} ({describe(a)}): largest error {err[where]:.3g}{at} "
                    f"(got {a64[where]:.6g}, expected {e64[where]:.6g})")
