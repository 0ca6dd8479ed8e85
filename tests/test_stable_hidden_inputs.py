"""Each exercise's hidden inputs come from its own seed: adding, removing, moving or editing one exercise
changes no other exercise's hidden inputs or references.

With one seed per assignment (one generator drawn from exercise after exercise), adding an exercise
changed the hidden inputs of every exercise after it. Here the hidden data of an assignment is computed
from its solutions as `grader refs build` does (grader.reference.compute), then again with the exercise
list changed, and the untouched exercises' entries are compared byte for byte.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from grader import exercises, reference
from grader.reference import codec, solutions

from conftest import ROOT

A = "s1_jax_fundamentals"
SEED = 20261130            # any seed: the property holds for every seed
NEW = "a_new_exercise"


def _encoded(entry) -> str:
    """An exercise's hidden entry as text: its JSON with every array's bytes, dtype and shape."""
    arrays: dict[str, np.ndarray] = {}
    text = json.dumps(codec.encode(entry, arrays), sort_keys=True)
    return text + "".join(f"|{k}:{a.dtype}{a.shape}{a.tobytes().hex()}" for k, a in sorted(arrays.items()))


def _hidden_with(monkeypatch, change) -> dict[str, str]:
    """exercise -> encoded hidden entry, computed with the assignment's exercise list changed by `change`."""
    full = exercises.load(A, instructor=True)
    changed = dataclasses.replace(full, exercises=change(list(full.exercises)))
    monkeypatch.setattr(reference.exercises, "load", lambda name, instructor=False: changed)
    solve = solutions.load
    # a new exercise is solved like the first one
    first = full.exercises[0].name
    monkeypatch.setattr(solutions, "load", lambda path: (lambda ns: {**ns, NEW: ns[first]})(solve(path)))
    _, hidden = reference.compute(A, ROOT, SEED)
    monkeypatch.undo()
    return {name: _encoded(entry) for name, entry in hidden["exercises"].items()}


def _renamed(exercise, name: str):
    """A copy of the exercise under another name, without its corpus (whose snippets define the old name)."""
    bare = dataclasses.replace(exercise.instructor, mistakes=[], alternatives=[])
    return dataclasses.replace(exercise, name=name, instructor=bare)


def _edited(exercise):
    """The exercise with its hidden-case generator changed (it draws twice as many cases)."""
    draw = exercise.instructor.hidden_cases
    edited = dataclasses.replace(exercise.instructor, hidden_cases=lambda rng: list(draw(rng)) + list(draw(rng)))
    return dataclasses.replace(exercise, instructor=edited)


# How the exercise list changes: each costs one computation of the assignment's hidden data (~15 s).
CHANGES = {
    "unchanged": lambda listed: listed,
    "first-removed-rest-reversed": lambda listed: listed[1:][::-1],
    "first-edited": lambda listed: [_edited(listed[0]), *listed[1:]],
    "one-added-first": lambda listed: [_renamed(listed[0], NEW), *listed],
}


@pytest.fixture(scope="module")
def hidden() -> dict[str, dict[str, str]]:
    """change -> exercise -> encoded hidden entry."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {name: _hidden_with(monkeypatch, change) for name, change in CHANGES.items()}


@pytest.mark.parametrize("change", [c for c in CHANGES if c != "unchanged"])
def test_other_exercises_keep_their_hidden_inputs_and_references(hidden, change):
    first = exercises.load(A).exercises[0].name
    others = [name for name in hidden["unchanged"] if name != first]
    changed = [name for name in others if hidden[change][name] != hidden["unchanged"][name]]
    assert others and not changed, changed


def test_the_comparison_sees_a_change(hidden):
    """The edited exercise itself does change (so the comparison above can fail)."""
    first = exercises.load(A).exercises[0].name
    assert hidden["first-edited"][first] != hidden["unchanged"][first]
