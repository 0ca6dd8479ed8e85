"""Hidden inputs, hidden reference outputs and solutions never reach students.

Students get the student bundle (`grader bundle`): the notebooks in release/ and the
`grader` package (a wheel). Both are built here and every file in them is read
(tests/leaks.py): no graded function defined, no corpus snippet or solution code.
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from grader import exercises, reference

from leaks import ROOT, scan_folder, scan_text, scan_wheel


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
def bundle(tmp_path_factory):
    """The student bundle, made by the command instructors run."""
    out = tmp_path_factory.mktemp("bundle") / "students"
    done = subprocess.run([sys.executable, "-m", "grader.cli", "bundle", "--out", str(out)],
                          capture_output=True, text=True, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def wheel(bundle):
    [found] = bundle.glob("wheels/grader-*.whl")
    return found


def test_wheel_has_public_data_but_no_hidden_data_or_sources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("public.npz") for n in names)
    assert any(n.endswith("manifest.json") for n in names)
    assert not [n for n in names if "hidden" in n.rsplit("/", 1)[-1]]
    assert not [n for n in names if n.endswith(".ipynb")]
    assert not [n for n in names if n.startswith("instructor/")]


def test_wheel_holds_no_answers(wheel):
    assert scan_wheel(wheel) == []


def test_bundle_holds_no_answers_and_what_students_need(bundle):
    assert scan_folder(bundle) == []
    for assignment in exercises.names():
        assert (bundle / assignment / f"{assignment}.ipynb").is_file()
    requirements = (bundle / "requirements.txt").read_text().splitlines()
    assert requirements[0].startswith("./wheels/grader-") and requirements[0].endswith(".whl")
    pinned = {line.split("==")[0].lower() for line in requirements[1:]}
    assert {"jax", "jaxlib", "numpy", "nbclient", "ipykernel", "pytest"} <= pinned
    assert "optax" in pinned                 # session 2's workbooks train with optax.adam
    assert not pinned & {"nbgrader", "distributed", "jupyterlab", "sqlalchemy"}
    assert (bundle / "runtime.txt").read_text().startswith("python-3.")
    assert "pytest" in (bundle / "README.md").read_text()


def test_the_scanner_finds_answers(tmp_path):
    """The scanner named after the defect can see it: a correct implementation in a module, a corpus
    snippet quoted in any text file, a solved notebook cell."""
    alternative = exercises.load("s1_jax_fundamentals", instructor=True)["soft_threshold"].alternatives[1]
    from leaks import graded_names, secrets
    names, known = graded_names(), secrets()
    assert scan_text("x.py", "def soft_threshold(x, t):\n    return x - jnp.clip(x, -t, t)\n", names, known)
    assert scan_text("x.md", "see " + alternative.code, names, known)
    stub = "def soft_threshold(x, t):\n    \"\"\"doc\"\"\"\n    raise NotImplementedError()\n"
    assert not scan_text("x.py", stub, names, known)
    class_method = "class Log:\n    def record(self, step):\n        self.steps.append(step)\n"
    assert not scan_text("x.py", class_method, names, known)


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
