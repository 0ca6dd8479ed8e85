"""The two encodings between the grading process and a student's kernel.

To the kernel, a call: `dump_call(fn, args)` pickles the callable and its
arguments (JAX arrays, typed keys, read-only numpy arrays, read-only mappings).
Objects that live in the kernel or in the course's exercise descriptions are
sent as references: the student's function by name, an exercise's probes and
helper functions by (assignment, exercise, name). The kernel trusts the grader,
so it unpickles.

Back from the kernel, raw values: `encode(value)` turns a pytree of arrays and
numbers into JSON, each array as `.npy` bytes (base64). `decode` rebuilds it
with `json` and `numpy.load(allow_pickle=False)` only, so nothing the kernel
sends can run code or carry behaviour (an `__eq__` that always says yes) into
the grading process. Anything else the function returns is refused in the
kernel with a message naming its type.
"""
from __future__ import annotations

import base64
import io
import json
import pickle
import re
import types
from typing import Any, Callable

import numpy as np

MAX_REPLY_BYTES = 32 * 2**20     # an encoded reply larger than this is refused (a result, not a data dump):
                                 # JSON parsing holds at most ~25 bytes per reply byte (`[[],[],...]`), so < 1 GB
MAX_DEPTH = 64                   # nesting of tuples, lists and dicts
LOW_PRECISION_FLOATS = ("bfloat16", "float8_e4m3fn", "float8_e5m2")   # JAX's floats that numpy lacks


class UnsupportedValue(TypeError):
    """A value that is not a pytree of arrays and numbers (raised in the kernel)."""


# ---------------------------------------------------------------- calls (grader -> kernel)

class StudentFunction:
    """The student's function `name`, which lives in the kernel: sent by name, never called here."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args):
        raise RuntimeError(f"{self.name} lives in the student's kernel: call it through Remote.call")

    def __repr__(self) -> str:
        return f"<student function {self.name}>"


def _readonly_array(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _mapping(items: dict) -> types.MappingProxyType:
    return types.MappingProxyType(items)


class _CallPickler(pickle.Pickler):
    """Pickles a call; the student's function and the exercise's own callables go by reference."""

    def __init__(self, stream, references: dict[int, tuple]):
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.references = references
        self.student_names: set[str] = set()

    def persistent_id(self, obj):
        if isinstance(obj, StudentFunction):
            self.student_names.add(obj.name)
            return ("student", obj.name)
        return self.references.get(id(obj))

    def reducer_override(self, obj):
        if isinstance(obj, types.MappingProxyType):
            return _mapping, (dict(obj),)
        if isinstance(obj, np.ndarray) and not obj.flags.writeable:
            return _readonly_array, (np.array(obj),)
        return NotImplemented


def dump_call(fn: Callable, args: tuple, references: dict[int, tuple]) -> tuple[bytes, set[str]]:
    """(pickled (fn, args), names of the student functions it involves).

    references: id(object) -> persistent id, for callables the kernel finds by name.
    """
    stream = io.BytesIO()
    pickler = _CallPickler(stream, references)
    pickler.dump((fn, tuple(args)))
    return stream.getvalue(), pickler.student_names


def load_call(data: bytes, resolve: Callable[[tuple], Any]) -> tuple[Callable, tuple]:
    """(fn, args) from `dump_call`'s bytes; `resolve(persistent_id)` gives the referenced objects."""
    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return resolve(tuple(pid))
    return _Unpickler(io.BytesIO(data)).load()


# ---------------------------------------------------------------- raw values (kernel -> grader)

def encode(value) -> Any:
    """A JSON-able form of a pytree of arrays and numbers (raises UnsupportedValue otherwise)."""
    return _encode(value, 0)


def _encode(value, depth: int):
    if depth > MAX_DEPTH:
        raise UnsupportedValue(f"a result nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (tuple, list)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(v, depth + 1) for v in value]}
    if isinstance(value, (dict, types.MappingProxyType)):
        kind = "dict" if isinstance(value, dict) else "mapping"
        items = []
        for key, item in value.items():
            if not (key is None or type(key) in (bool, int, float, str)):
                raise UnsupportedValue(f"a dict key of type {type(key).__name__}")
            items.append([key, _encode(item, depth + 1)])
        return {kind: items}
    key_data = _key_data(value)
    if key_data is not None:
        return {"key": _npy(key_data[0]), "impl": key_data[1]}
    if isinstance(value, np.generic) or _is_array(value):
        array = np.asarray(value)
        if array.dtype.name in LOW_PRECISION_FLOATS:      # not a numpy dtype: sent as float32, named
            return {"array": _npy(array.astype(np.float32)), "scalar": isinstance(value, np.generic),
                    "dtype": array.dtype.name}
        if array.dtype.kind not in "biufc":
            raise UnsupportedValue(f"an array of dtype {array.dtype}")
        return {"array": _npy(array), "scalar": isinstance(value, np.generic)}
    for plain in (bool, int, float):                  # a subclass of a number: its plain value
        if isinstance(value, plain):
            return plain(value)
    if callable(value):
        return {"callable": getattr(value, "__name__", type(value).__name__)}
    raise UnsupportedValue(f"an object of type {type(value).__name__}")


def _is_array(value) -> bool:
    if isinstance(value, np.ndarray):
        return True
    try:
        import jax
    except ImportError:
        return False
    return isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer)


def _key_data(value) -> tuple[np.ndarray, str] | None:
    """(key data, implementation name) of a typed JAX key array, else None."""
    try:
        import jax
    except ImportError:
        return None
    if isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer) and \
            jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
        return np.asarray(jax.random.key_data(value)), str(jax.random.key_impl(value))
    return None


def _npy(array: np.ndarray) -> str:
    stream = io.BytesIO()
    np.save(stream, np.asarray(array), allow_pickle=False)
    return base64.b64encode(stream.getvalue()).decode("ascii")


def dumps(value) -> str:
    """encode(value) as JSON text."""
    return json.dumps(value, allow_nan=True)


def reply(value) -> str:
    """A reply of the kernel's side: the JSON text of `value` (plain data), base64-encoded, so that its
    `repr` (what the grader reads back) is a quoted run of base64 characters, parsed without amplification."""
    return base64.b64encode(json.dumps(value, allow_nan=True).encode()).decode("ascii")


_REPR_OF_BASE64 = re.compile(r"'([A-Za-z0-9+/]*={0,2})'")


def read_reply(text: str) -> str:
    """The JSON text of a reply from its `repr` (`text`, as the kernel reported it); ValueError when
    `text` is anything else or longer than MAX_REPLY_BYTES allows. Memory: about twice len(text)."""
    if not isinstance(text, str) or len(text) > MAX_REPLY_BYTES * 4 // 3 + 8:
        raise ValueError("the kernel's reply is not a string of the expected size")
    found = _REPR_OF_BASE64.fullmatch(text)
    if found is None:
        raise ValueError("the kernel's reply is not base64 text")
    return base64.b64decode(found.group(1), validate=True).decode("utf-8")


def loads(text: str) -> Any:
    """JSON text of a reply -> plain data (dicts, lists, numbers, strings)."""
    if len(text) > MAX_REPLY_BYTES:
        raise ValueError(f"a reply of {len(text)} bytes, more than {MAX_REPLY_BYTES}")
    return json.loads(text)


class Opaque:
    """Stands for a function the kernel returned or kept among the inputs (not callable here)."""

    def __init__(self, name: str):
        self.name = str(name)

    def __call__(self, *args):
        raise TypeError(f"{self.name} came back from the student's kernel and cannot be called here")

    def __repr__(self) -> str:
        return f"<function {self.name} in the kernel>"


def decode(data, depth: int = 0):
    """The value `encode` described, rebuilt from plain data (raises ValueError on anything else)."""
    if depth > MAX_DEPTH + 1:
        raise ValueError("reply nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is not dict or len(data) not in (1, 2, 3):
        raise ValueError(f"unexpected {type(data).__name__} in a reply")
    if "tuple" in data or "list" in data:
        items = data.get("tuple", data.get("list"))
        if type(items) is not list:
            raise ValueError("malformed sequence in a reply")
        values = [decode(v, depth + 1) for v in items]
        return values if "list" in data else tuple(values)
    if "dict" in data or "mapping" in data:
        pairs = data.get("dict", data.get("mapping"))
        if type(pairs) is not list or any(type(p) is not list or len(p) != 2 for p in pairs):
            raise ValueError("malformed mapping in a reply")
        items = {}
        for key, value in pairs:
            if not (key is None or type(key) in (bool, int, float, str)):
                raise ValueError("malformed mapping key in a reply")
            items[key] = decode(value, depth + 1)
        return items if "dict" in data else types.MappingProxyType(items)
    if "array" in data:
        array = _from_npy(data["array"])
        if "dtype" in data:
            array = _low_precision(array, data["dtype"])
        return array[()] if data.get("scalar") is True else array
    if "key" in data:
        import jax
        impl = data.get("impl")
        if impl not in ("threefry2x32", "rbg", "unsafe_rbg"):
            raise ValueError(f"unknown key implementation {impl!r} in a reply")
        return jax.random.wrap_key_data(_from_npy(data["key"]), impl=impl)
    if "callable" in data:
        return Opaque(data["callable"])
    raise ValueError(f"unexpected entry {sorted(data)} in a reply")


def _low_precision(array: np.ndarray, name) -> np.ndarray:
    """A float32 array sent for a `name` array (bfloat16 ...), made that dtype again (JAX's own dtypes)."""
    if name not in LOW_PRECISION_FLOATS or array.dtype != np.float32:
        raise ValueError(f"unexpected dtype {name!r} in a reply")
    import jax.numpy as jnp
    return array.astype(getattr(jnp, name))


def _from_npy(text) -> np.ndarray:
    if type(text) is not str:
        raise ValueError("malformed array in a reply")
    array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    if array.dtype.kind not in "biufc":
        raise ValueError(f"an array of dtype {array.dtype} in a reply")
    return array
