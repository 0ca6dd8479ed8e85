"""Store cases and reference outputs as JSON plus one .npz of arrays, without pickle.

Arrays become {"__array__": name} in the JSON and `name` in the .npz; keys and
named functions become {"__key__": seed} and {"__fn__": name}; tuples keep
their type as {"__tuple__": [...]}.
"""
from __future__ import annotations

import numpy as np

from ..checks.types import Case, Fn, Key


def encode(obj, arrays: dict[str, np.ndarray]):
    """JSON-ready form of `obj`; arrays are added to `arrays` under fresh names."""
    if isinstance(obj, Case):
        encoded = {"__case__": encode(obj.args, arrays), "label": obj.label}
        if obj.extra:
            encoded["extra"] = encode(obj.extra, arrays)
        return encoded
    if isinstance(obj, Key):
        return {"__key__": obj.seed}
    if isinstance(obj, Fn):
        return {"__fn__": obj.name}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(o, arrays) for o in obj]}
    if isinstance(obj, list):
        return [encode(o, arrays) for o in obj]
    if isinstance(obj, dict):  # sorted, so that arrays are named the same whatever the insertion order
        return {str(k): encode(obj[k], arrays) for k in sorted(obj, key=str)}
    if isinstance(obj, (bool, int, float, str)) or obj is None:
        return obj
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)
    array = np.asarray(obj)
    if array.dtype == object:
        raise TypeError(f"cannot store {type(obj).__name__} in reference data")
    name = f"a{len(arrays)}"
    arrays[name] = array
    return {"__array__": name}


def decode(obj, arrays):
    """Inverse of `encode`; `arrays` maps names to numpy arrays (an open .npz works)."""
    if isinstance(obj, list):
        return [decode(o, arrays) for o in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            return np.asarray(arrays[obj["__array__"]])
        if "__key__" in obj:
            return Key(obj["__key__"])
        if "__fn__" in obj:
            return Fn(obj["__fn__"])
        if "__tuple__" in obj:
            return tuple(decode(o, arrays) for o in obj["__tuple__"])
        if "__case__" in obj:
            return Case(decode(obj["__case__"], arrays), obj.get("label", ""),
                        decode(obj.get("extra", {"__tuple__": []}), arrays))
        return {k: decode(v, arrays) for k, v in obj.items()}
    return obj
