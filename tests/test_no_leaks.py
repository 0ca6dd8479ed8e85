"""Hidden inputs, hidden reference outputs and solutions never reach students.

Students get the notebooks in release/ and the `grader` package (a wheel); both
are checked here.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from grader import exercises, reference


def hidden_numbers(assignment: str) -> set[str]:
    """Distinctive hidden input/output values, written as they would appear in text."""
    data = reference.load_data(assignment, "hidden")
    numbers = set()
    for entry in data["exercises"].values():
        for case in entry["cases"]:
            for arg in case.args:
                if isinstance(arg, np.ndarray) and arg.dtype.kind == "f":
                    numbers.update(f"{v:.5f}" for v in arg.ravel()[:20] if abs(v) > 1e-3)
    return numbers


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True, capture_output=True,
                   cwd=str(reference.DATA_DIR.parents[2]))
    return next(out.glob("grader-*.whl"))


def test_wheel_has_public_data_but_no_hidden_data_or_sources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("public.npz") for n in names)
    assert any(n.endswith("manifest.json") for n in names)
    assert not [n for n in names if "hidden" in n.rsplit("/", 1)[-1]]
    assert not [n for n in names if n.endswith(".ipynb")]


@pytest.mark.parametrize("assignment", exercises.names())
def test_release_has_no_hidden_tests_or_hidden_data(assignment, course_root):
    release = course_root / "release" / assignment
    files = [p for p in release.rglob("*") if p.is_file()]
    assert files, f"{release} is empty"
    assert not [p for p in files if p.name.startswith("hidden")]
    secrets = hidden_numbers(assignment)
    for path in files:
        text = path.read_text(errors="replace")
        assert "BEGIN HIDDEN TESTS" not in text and "checks.hidden(" not in text, path
        assert "BEGIN SOLUTION" not in text, path
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path} contains hidden values {leaked[:3]}"


@pytest.mark.parametrize("assignment", exercises.names())
def test_release_test_cells_are_one_line_calls(assignment, course_root):
    nb = json.loads((course_root / "release" / assignment / f"{assignment}.ipynb").read_text())
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            code = [line for line in "".join(cell["source"]).splitlines()
                    if line.strip() and not line.startswith(("#", "from grader import"))]
            assert len(code) <= 2, cell["source"]
