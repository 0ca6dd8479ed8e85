"""Compile a snippet of source code (a mistake or an alternative) into a function."""
from __future__ import annotations

import functools
import linecache
import textwrap

import jax
import jax.numpy as jnp
import numpy as np

PRELUDE = {"jax": jax, "jnp": jnp, "np": np}


@functools.lru_cache(maxsize=None)
def function(name: str, code: str):
    """The function `name` defined by `code` (with jax, jnp and np imported)."""
    code = textwrap.dedent(code)
    filename = f"<snippet {name} {abs(hash(code)):x}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = dict(PRELUDE)
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102 (our own corpus)
    return namespace[name]
