"""`grader scaffold` writes an exercise's nbgrader cells from its description (the one source of points)."""
from __future__ import annotations

import json
import shutil

import pytest

from grader import exercises, material, scaffold
from grader.cli import main
from grader.exercises import validation

A = "s1_linear_models_to_ml"


def source_notebook(assignment: str):
    return material.instructor_dir().parent / "source" / assignment / f"{assignment}.ipynb"


def by_grade_id(notebook) -> dict:
    cells = json.loads(notebook.read_text())["cells"]
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells if "nbgrader" in c.get("metadata", {})}


@pytest.mark.parametrize("assignment", exercises.names())
def test_test_cells_are_the_course_cells(assignment):
    """The cells scaffold writes are the ones every exercise of the course has: source, grade id, points."""
    cells = by_grade_id(source_notebook(assignment))
    for exercise in exercises.load(assignment).exercises:
        for cell in scaffold.cells(assignment, exercise.name)[1:]:
            written = cells[cell.metadata["nbgrader"]["grade_id"]]
            assert ("".join(written["source"]), written["metadata"]) == (cell.source, cell.metadata)


@pytest.fixture
def notebook(tmp_path):
    """A copy of the assignment's source notebook without the cells of `relu`."""
    path = tmp_path / f"{A}.ipynb"
    shutil.copy(source_notebook(A), path)
    nb = json.loads(path.read_text())
    nb["cells"] = [c for c in nb["cells"]
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in ("relu", "test_relu",
                                                                                        "test_relu_hidden")]
    path.write_text(json.dumps(nb))
    return path


def test_adds_the_cells_with_the_descriptions_points(notebook):
    assert validation.points_problems(exercises.load(A), notebook) != []
    assert scaffold.scaffold(notebook, A, "relu") == ["added cell relu", "added cell test_relu (1 point)",
                                                      "added cell test_relu_hidden (1 point)"]
    cells = by_grade_id(notebook)
    assert "def relu(z):" in "".join(cells["relu"]["source"]) and cells["relu"]["metadata"]["nbgrader"]["solution"]
    assert validation.points_problems(exercises.load(A), notebook) == []
    assert scaffold.scaffold(notebook, A, "relu") == []           # a second run changes nothing


def test_sets_the_points_of_cells_already_there(notebook):
    scaffold.scaffold(notebook, A, "relu")
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_mse_hidden":
            cell["metadata"]["nbgrader"]["points"] = 5
    notebook.write_text(json.dumps(nb))
    assert scaffold.scaffold(notebook, A, "mse") == ["cell test_mse_hidden: set to 2 points"]
    assert by_grade_id(notebook)["test_mse_hidden"]["metadata"]["nbgrader"]["points"] == 2


def test_command_names_an_unknown_exercise(capsys):
    assert main(["scaffold", A, "softmax"]) == 2
    assert "describes no exercise 'softmax'" in capsys.readouterr().err
