"""Descriptions are checked when they load: a name that does not exist, or points that differ from the
notebook's, is an error naming the assignment, the exercise and the field.

Each test plants one mistake in a copy of a real description (the public half's ASSIGNMENT, the
instructor half's INSTRUCTOR, or the source notebook in a scratch course) and loads it as the
grader does, with `grader.exercises.load`.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import re
import shutil

import pytest

from grader import exercises, material
from grader.checks import purity
from grader.checks.gradients import gradient_matches_reference
from grader.checks.oracle import matches_oracle
from grader.checks.values import matches_reference
from grader.exercises.spec import Part

A = "s1_linear_models_to_ml"


@pytest.fixture
def plant(monkeypatch):
    """plant(name, public=..., instructor=...): load A with exercise `name`'s halves changed (dataclass fields)."""
    module = importlib.import_module(f"grader.exercises.{A}")
    halves = exercises._instructor_halves

    def planted(name, public=None, instructor=None):
        changed = [dataclasses.replace(e, **public) if e.name == name and public else e
                   for e in module.ASSIGNMENT.exercises]
        monkeypatch.setattr(module, "ASSIGNMENT", dataclasses.replace(module.ASSIGNMENT, exercises=changed))
        monkeypatch.setattr(exercises, "_instructor_halves", lambda a: {
            key: dataclasses.replace(half, **instructor) if key == name and instructor else half
            for key, half in halves(a).items()})
        exercises.load.cache_clear()
        return lambda: exercises.load(A, instructor=instructor is not None)

    exercises.load.cache_clear()
    yield planted
    exercises.load.cache_clear()


def raises(load, message: str):
    """load() raises a DescriptionError whose message holds `message`."""
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        load()
    assert type(err.value).__name__ == "DescriptionError"
    return str(err.value)


def test_unknown_requires(plant):
    load = plant("mse", public={"visible": Part(1, (matches_reference(weight=2),
                                                     gradient_matches_reference(requires=("value",))))})
    raises(load, f"{A}/mse: visible check 'gradient': requires=('value',): no check named 'value' in this part "
                 "(checks: values, gradient)")


def test_requires_of_a_later_check(plant):
    load = plant("mse", public={"visible": Part(1, (gradient_matches_reference(requires=("values",)),
                                                     matches_reference(weight=2)))})
    raises(load, f"{A}/mse: visible check 'gradient': requires=('values',): 'values' comes after it")


def test_unknown_requires_of_a_hidden_check(plant):
    load = plant("design_matrix", instructor={"hidden_checks": (matches_reference(weight=2),
                                                                 purity.jit_matches_eager(requires=("value",)))})
    raises(load, f"{A}/design_matrix: hidden check 'jit': requires=('value',): no check named 'value' in this "
                 "part (checks: values, jit)")


def test_unknown_probe(plant):
    load = plant("mse", public={"visible": Part(1, (matches_reference(weight=2),
                                                     matches_reference("gradiant", name="gradient")))})
    raises(load, f"{A}/mse: visible check 'gradient': probe='gradiant': the exercise defines no probe 'gradiant' "
                 "(probes: output, gradient)")


def test_unknown_oracle(plant):
    load = plant("least_squares", instructor={"hidden_checks": (matches_oracle("lstq", rtol=1e-3, weight=2),)})
    raises(load, f"{A}/least_squares: hidden check 'values': oracle='lstq': the instructor half defines no oracle "
                 "'lstq' (oracles: lstsq)")


def test_unknown_hint_of_a_check(plant):
    load = plant("mse", public={"visible": Part(1, (matches_reference(weight=2, value_hint="sum_vs_men"),))})
    raises(load, f"{A}/mse: visible check 'values': hint 'sum_vs_men': not in the catalogue of hints "
                 "(grader.hints); did you mean sum_vs_mean")


def test_unknown_hint_of_a_mistake(plant):
    mistakes = list(exercises.load(A, instructor=True)["mse"].mistakes)
    mistakes[1] = dataclasses.replace(mistakes[1], hint="sum_instead_of_mean")
    load = plant("mse", instructor={"mistakes": mistakes})
    raises(load, f"{A}/mse: mistakes[1] (sum instead of mean): hint 'sum_instead_of_mean': not in the catalogue "
                 "of hints (grader.hints)")


def test_duplicate_check_names(plant):
    load = plant("normalise", public={"visible": Part(1, (matches_reference(), matches_reference(weight=2)))})
    raises(load, f"{A}/normalise: visible checks: 2 checks named 'values' (check names must differ in a part; "
                 "checks: values, values)")


def test_every_problem_is_listed(plant):
    load = plant("mse", public={"visible": Part(1, (matches_reference(value_hint="nope"),
                                                     gradient_matches_reference(requires=("value",)),
                                                     gradient_matches_reference()))})
    lines = raises(load, "hint 'nope'").splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{A}/mse: visible check") for line in lines), lines


@pytest.fixture
def scratch_course(tmp_path, monkeypatch):
    """A course folder with this instructor half and a copy of the source notebook (returned) to edit."""
    shutil.copytree(material.instructor_dir() / "exercises", tmp_path / "instructor" / "exercises")
    notebook = tmp_path / "source" / A / f"{A}.ipynb"
    notebook.parent.mkdir(parents=True)
    shutil.copy(material.instructor_dir().parent / "source" / A / f"{A}.ipynb", notebook)
    monkeypatch.setenv(material.ENV_VAR, str(tmp_path / "instructor"))
    exercises.load.cache_clear()
    yield notebook
    exercises.load.cache_clear()


def edit_cells(notebook, edit):
    """Rewrite `notebook` with edit(cells) -> cells."""
    nb = json.loads(notebook.read_text())
    nb["cells"] = edit(nb["cells"])
    notebook.write_text(json.dumps(nb))


def grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def test_scratch_course_loads_clean(scratch_course):
    assert exercises.load(A, instructor=True).name == A


def test_points_in_the_notebook_differ(scratch_course):
    def more_points(cells):
        for cell in cells:
            if grade_id(cell) == "test_mse_hidden":
                cell["metadata"]["nbgrader"]["points"] = 3
        return cells
    edit_cells(scratch_course, more_points)
    message = raises(lambda: exercises.load(A, instructor=True),
                     f"{A}/mse: hidden=Part(2): cell 'test_mse_hidden' of {scratch_course} has points 3")
    assert len(message.splitlines()) == 1          # per cell: the other cells agree


def test_points_in_the_description_differ(scratch_course, plant):
    load = plant("mae", public={"visible": Part(2, exercises.load(A)["mae"].visible.checks)}, instructor={})
    raises(load, f"{A}/mae: visible=Part(2): cell 'test_mae' of {scratch_course} has points 1")


def test_test_cell_missing_from_the_notebook(scratch_course):
    edit_cells(scratch_course, lambda cells: [c for c in cells if grade_id(c) != "test_relu"])
    raises(lambda: exercises.load(A, instructor=True), f"{A}/relu: visible=Part(1): no test cell 'test_relu' in "
                                                       f"{scratch_course}")


@pytest.mark.parametrize("assignment", exercises.names())
def test_real_descriptions_load_clean(assignment):
    from grader.exercises import validation
    exercises.load.cache_clear()
    full = exercises.load(assignment, instructor=True)
    notebook = material.instructor_dir().parent / "source" / assignment / f"{assignment}.ipynb"
    assert validation.problems(full, notebook) == []
    assert validation.problems(exercises.load(assignment)) == []
