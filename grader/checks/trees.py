"""Compare a student's pytree with a reference pytree, leaf by leaf.

Order of checks, as in chex: structure, then for each leaf shape, dtype kind,
finiteness, values. The first difference is reported with the leaf's path, its
shape and dtype, and the largest error.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np

# Tolerances by the coarser of the two float dtypes compared:
# rtol relative to each element, atol relative to the leaf's largest |value| (at least 1).
TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-3),
    np.dtype(np.float32): (2e-5, 2e-6),
    np.dtype(np.float64): (1e-9, 1e-12),
}


@dataclass(frozen=True)
class Mismatch:
    """The first difference found: a hint id and a message naming the leaf."""
    hint: str
    message: str


def describe(tree) -> str:
    """Short description of a pytree: `tuple(f32[], f32[3])`."""
    if isinstance(tree, (tuple, list)):
        inner = ", ".join(describe(t) for t in tree)
        return f"{type(tree).__name__}({inner})"
    if isinstance(tree, dict):
        return "dict(" + ", ".join(f"{k}: {describe(v)}" for k, v in tree.items()) + ")"
    if tree is None:
        return "None"
    if hasattr(tree, "shape") and hasattr(tree, "dtype"):
        shape = ",".join(str(d) for d in tree.shape)
        if is_key_array(tree):
            return f"{tree.dtype}[{shape}] (a PRNG key)"
        return f"{np.dtype(tree.dtype).name}[{shape}]"
    return type(tree).__name__ + ("" if not isinstance(tree, (int, float)) else f" {tree!r}")


def _leaves(tree):
    """[(path string, leaf)] with lists and tuples treated alike."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: x is None)
    return [(jax.tree_util.keystr(path), leaf) for path, leaf in flat]


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


def tolerance(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(rtol, atol scale) for comparing arrays of these dtypes."""
    floats = [d for d in (a.dtype, b.dtype) if np.issubdtype(d, np.floating)]
    if not floats:
        return (0.0, 0.0)
    coarsest = max(floats, key=lambda d: np.finfo(d).eps)
    return TOLERANCES.get(np.dtype(coarsest), TOLERANCES[np.dtype(np.float32)])


def close(a, b) -> bool:
    """True when two pytrees agree in structure, shape and value (within tolerance)."""
    return compare(a, b) is None


def compare(actual, expected, leaf_names: dict[str, str] | None = None) -> Mismatch | None:
    """None when `actual` matches `expected`; else the first `Mismatch`."""
    leaf_names = leaf_names or {}
    got, want = _leaves(actual), _leaves(expected)
    if [p for p, _ in got] != [p for p, _ in want]:
        return Mismatch("wrong_structure",
                        f"expected {describe(expected)}, got {describe(actual)}")
    for (path, a_leaf), (_, e_leaf) in zip(got, want):
        name = leaf_names.get(path, f"leaf {path}" if path else "the result")
        a, e = _as_array(a_leaf), _as_array(e_leaf)
        if a is None or a.dtype == object:
            return Mismatch("wrong_structure", f"{name}: expected an array {describe(e)}, got {describe(a_leaf)}")
        if a.shape != e.shape:
            if _broadcast_square(a.shape, e.shape):
                return Mismatch("broadcast_n1_vs_n", f"{name}: shape {a.shape}, expected {e.shape}")
            return Mismatch("wrong_shape",
                            f"{name}: shape {a.shape}, expected {e.shape} ({describe(a)} vs {describe(e)})")
        if np.issubdtype(e.dtype, np.floating) and not np.issubdtype(a.dtype, np.floating):
            return Mismatch("wrong_dtype", f"{name}: dtype {a.dtype}, expected a float dtype like {e.dtype}")
        mismatch = _compare_values(name, a, e)
        if mismatch:
            return mismatch
    return None


def _broadcast_square(got: tuple, want: tuple) -> bool:
    """(n, n) where (n,) or (n, 1) was expected: the signature of (n, 1) - (n,) broadcasting."""
    return len(got) == 2 and got[0] == got[1] > 1 and want in ((got[0],), (got[0], 1))


def _compare_values(name: str, a: np.ndarray, e: np.ndarray) -> Mismatch | None:
    if not np.issubdtype(e.dtype, np.inexact):
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
    rtol, atol_scale = tolerance(a, e)
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
