"""The catalogue of mistakes the checks recognise.

Each hint names one mistake a student makes, says in a sentence or two what
goes wrong, and gives the idiomatic fix. Checks refer to hints by id; the
feedback shows the title, the explanation and the fix. The catalogue is one
dictionary, written in topic modules (one per part of the course) so that
each can grow on its own; ids must be unique across them.
"""
from __future__ import annotations

import importlib
import pkgutil

from .hint import Hint

__all__ = ["Hint", "CATALOGUE", "get"]


def _collect() -> dict[str, Hint]:
    catalogue: dict[str, Hint] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "hint":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for hint in module.HINTS:
            if hint.id in catalogue:
                raise ValueError(f"hint id {hint.id!r} is defined twice (again in {module.__name__})")
            catalogue[hint.id] = hint
    return catalogue


CATALOGUE: dict[str, Hint] = _collect()


def get(hint_id: str) -> Hint:
    """Return the hint with this id (KeyError names the unknown id)."""
    try:
        return CATALOGUE[hint_id]
    except KeyError:
        raise KeyError(f"unknown hint id {hint_id!r}; known: {sorted(CATALOGUE)}") from None
