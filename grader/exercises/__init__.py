"""Exercise descriptions, one module per assignment, each defining `ASSIGNMENT`.

`load(name)` gives the public half, which ships to students: signatures, public
cases, probes and visible checks. `load(name, instructor=True)` joins the
instructor half (`instructor/exercises/<name>.py`, defining `INSTRUCTOR`: a dict
from exercise name to `spec.Instructor`), which only the instructor's checkout has.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import pkgutil
import sys

from .. import material
from .spec import Assignment, Instructor


def names() -> list[str]:
    """Names of every assignment that has a description module."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "spec" and not m.name.startswith("_"))


@functools.lru_cache(maxsize=None)
def load(name: str, instructor: bool = False) -> Assignment:
    """The `Assignment` described by `grader/exercises/<name>.py`, with its instructor half if asked.

    Raises material.InstructorMaterialMissing when the instructor half is asked for and
    is not there, and ValueError when it does not match the public half.
    """
    if name not in names():
        raise KeyError(f"unknown assignment {name!r}; known: {names()}")
    public = importlib.import_module(f"{__name__}.{name}").ASSIGNMENT
    if not instructor:
        return public
    halves = _instructor_halves(name)
    known = [e.name for e in public.exercises]
    if sorted(halves) != sorted(known):
        raise ValueError(f"{material.exercises_file(name)}: INSTRUCTOR has {sorted(halves)}, "
                         f"the public description {sorted(known)}")
    for key, half in halves.items():
        if not isinstance(half, Instructor):
            raise ValueError(f"{material.exercises_file(name)}: INSTRUCTOR[{key!r}] is a "
                             f"{type(half).__name__}, not a grader.exercises.spec.Instructor")
    return dataclasses.replace(public, exercises=[e.complete(halves[e.name]) for e in public.exercises])


def _instructor_halves(name: str) -> dict[str, Instructor]:
    path = material.exercises_file(name)
    if not path.is_file():
        raise material.InstructorMaterialMissing(f"{path}: no instructor half for {name}")
    module_name = f"grader_instructor_exercises.{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "INSTRUCTOR", None), dict):
        raise ValueError(f"{path}: defines no INSTRUCTOR dict (exercise name -> Instructor)")
    return module.INSTRUCTOR
