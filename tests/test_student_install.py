"""A student's path: the bundle's requirements installed into a fresh virtual environment, then
`pytest` and `grader check` on workbooks there, with nothing of the instructor's checkout.

The install comes from the package registry (pip's cache makes it quick after `make`); it takes
about 30 s here and 800 MB of disk in the test's temporary folder.
"""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

from grader import demo

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "s1_jax_fundamentals"


def _run(argv, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GRADER_INSTRUCTOR_DIR", "PYTEST_ADDOPTS")}
    env["JAX_PLATFORMS"] = "cpu"
    return subprocess.run(argv, cwd=str(cwd), capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """(bundle folder, the student's venv bin folder): the bundle copied away from the checkout."""
    base = tmp_path_factory.mktemp("student")
    bundle = base / "course"
    made = _run([sys.executable, "-m", "grader.cli", "bundle", "--out", str(bundle)], ROOT)
    assert made.returncode == 0, made.stderr
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    installed = _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                      "-r", "requirements.txt"], bundle, timeout=1200)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return bundle, bin_dir


def _solved(bundle: Path) -> Path:
    release = nbformat.read(str(bundle / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    solutions = demo.solutions(ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    student = demo.Student("correct", "every exercise solved", assignment=ASSIGNMENT)
    path = bundle / ASSIGNMENT / "solved.ipynb"
    nbformat.write(demo.workbook(release, student, solutions), str(path))
    return path


def test_only_the_students_packages_are_installed(student):
    _, bin_dir = student
    probe = ("import importlib.util as u, json; print(json.dumps({m: u.find_spec(m) is not None for m in "
             "['grader', 'jax', 'nbclient', 'ipykernel', 'pytest', 'nbgrader', 'optax', 'distributed', "
             "'jupyterlab', 'sqlalchemy']}))")
    done = _run([str(bin_dir / "python"), "-c", probe], bin_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ('{"grader": true, "jax": true, "nbclient": true, "ipykernel": true, '
                                   '"pytest": true, "nbgrader": false, "optax": true, "distributed": false, '
                                   '"jupyterlab": false, "sqlalchemy": false}')


def test_pytest_passes_a_solved_workbook_and_fails_a_blank_one(student):
    bundle, bin_dir = student
    solved = _solved(bundle)
    passed = _run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider", str(solved)], bundle)
    assert passed.returncode == 0, passed.stdout[-3000:]
    assert "7 passed" in passed.stdout
    blank = _run([str(bin_dir / "pytest"), "-q", "-p", "no:cacheprovider", f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"], bundle)
    assert blank.returncode == 1, blank.stdout[-3000:]
    assert "7 failed" in blank.stdout


def test_grader_check_names_a_mistake_from_stored_numbers(student):
    """The visible diagnosis needs no mistake code: the public data holds what mistakes produce."""
    bundle, bin_dir = student
    nb = nbformat.read(str(_solved(bundle)), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "soft_threshold":
            cell.source = "def soft_threshold(x, t):\n    return jnp.maximum(x - t, 0.0)\n"
    path = bundle / ASSIGNMENT / "one_sided.ipynb"
    nbformat.write(nb, str(path))
    done = _run([str(bin_dir / "grader"), "check", str(path)], bundle)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Hint (missing_abs)" in done.stdout


def test_instructor_commands_say_what_to_install(student, tmp_path):
    _, bin_dir = student
    (tmp_path / "nbgrader_config.py").write_text("")
    done = _run([str(bin_dir / "grader"), "autograde", ASSIGNMENT], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "needs the instructor's tools" in done.stderr and "grader[instructor]" in done.stderr


def test_a_lab_kernel_keeps_the_checks_compiled_for_the_next_kernel(student, tmp_path):
    """JupyterLab starts kernels without JAX's cache settings. The first test cell turns JAX's
    persistent compilation cache on (grader.checks.compile_cache), so what the checks compile is
    written to ~/.cache/grader/jax; a restarted kernel running the same cells loads it all
    and writes nothing new. Run as JupyterLab runs a workbook: a python3 kernel of the student's
    venv, started by nbclient, with the student's HOME and no JAX cache variables. The workbook is
    cut to its set-up cells (which compile before any test cell) and one solved exercise."""
    bundle, bin_dir = student
    nb = nbformat.read(str(_solved(bundle)), as_version=4)
    graded = lambda cell: cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first_exercise = next(i for i, cell in enumerate(nb.cells) if graded(cell))
    nb.cells = [cell for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and (
        i < first_exercise or graded(cell) in ("mse_value_and_grad", "test_mse_value_and_grad"))]
    solved = bundle / ASSIGNMENT / "one_exercise.ipynb"
    nbformat.write(nb, str(solved))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JAX_", "GRADER_", "XLA_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(tmp_path), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", JAX_PLATFORMS="cpu")
    lab = ("import sys, nbclient, nbformat\n"
           "nb = nbformat.read(sys.argv[1], as_version=4)\n"
           "nbclient.NotebookClient(nb, kernel_name='python3', timeout=600).execute()\n")
    cache = tmp_path / ".cache" / "grader" / "jax"
    written = []
    for _ in range(2):
        done = subprocess.run([str(bin_dir / "python"), "-c", lab, str(solved)], cwd=str(bundle),
                              capture_output=True, text=True, timeout=900, env=env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        written.append(sorted(p.name for p in cache.iterdir()) if cache.is_dir() else [])
    assert written[0], "the first kernel wrote no compiled checks to the cache"
    assert written[1] == written[0], "the restarted kernel compiled programs the first had cached"
