"""Exercise descriptions, one module per assignment, each defining `ASSIGNMENT`."""
from __future__ import annotations

import functools
import importlib
import pkgutil

from .spec import Assignment


def names() -> list[str]:
    """Names of every assignment that has a description module."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "spec" and not m.name.startswith("_"))


@functools.lru_cache(maxsize=None)
def load(name: str) -> Assignment:
    """The `Assignment` described by `grader/exercises/<name>.py`."""
    if name not in names():
        raise KeyError(f"unknown assignment {name!r}; known: {names()}")
    return importlib.import_module(f"{__name__}.{name}").ASSIGNMENT
