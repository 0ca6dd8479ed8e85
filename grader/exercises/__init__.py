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
from .validation import DescriptionError, problems


# Modules of this package that describe no assignment: the types, the presets, the validation.
HELPERS = {"spec", "presets", "validation"}


def names() -> list[str]:
    """Names of every assignment that has a description module."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if m.name not in HELPERS and not m.name.startswith("_"))


@functools.lru_cache(maxsize=None)
def load(name: str, instructor: bool = False) -> Assignment:
    """The `Assignment` described by `grader/exercises/<name>.py`, with its instructor half if asked.

    Raises material.InstructorMaterialMissing when the instructor half is asked for and
    is not there, ValueError when it does not match the public half, and DescriptionError
    when a description names what does not exist (a check it requires, a probe, an oracle,
    a hint) or, with the instructor half, when the source notebook's test cells
    (source/<name>/<name>.ipynb, where it is) give other points than the description.
    """
    if name not in names():
        raise KeyError(f"unknown assignment {name!r}; known: {names()}")
    public = importlib.import_module(f"{__name__}.{name}").ASSIGNMENT
    if not instructor:
        return _checked(public)
    halves = _instructor_halves(name)
    known = [e.name for e in public.exercises]
    if sorted(halves) != sorted(known):
        raise ValueError(f"{material.exercises_file(name)}: INSTRUCTOR has {sorted(halves)}, "
                         f"the public description {sorted(known)}")
    for key, half in halves.items():
        if not isinstance(half, Instructor):
            raise ValueError(f"{material.exercises_file(name)}: INSTRUCTOR[{key!r}] is a "
                             f"{type(half).__name__}, not a grader.exercises.spec.Instructor")
    full = dataclasses.replace(public, exercises=[e.complete(halves[e.name]) for e in public.exercises])
    notebook = material.source_notebook(name)
    return _checked(full, notebook if notebook.is_file() else None)


def _checked(assignment: Assignment, notebook=None) -> Assignment:
    """`assignment`, after `validation.problems` found nothing wrong (else DescriptionError, every problem a line)."""
    found = problems(assignment, notebook)
    if found:
        raise DescriptionError("\n".join(found))
    return assignment


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
