"""The instructor's guide (docs/instructors_guide.md) followed word for word in a scratch course.

The guide's worked example is written in fenced blocks whose info string says what to do with them:

- ```python file=PATH      new file, or inserted above the `ASSIGNMENT = ` / `INSTRUCTOR = ` line of PATH;
- ```python register=PATH  a line inserted above the closing bracket of that list or dictionary;
- ```python solution=NAME  the solution's docstring and body, in the scaffolded solution cell of NAME;
- ```sh run                `grader` commands, run in the course directory.

A scratch copy of the course (the grader package, instructor/, source/, nbgrader_config.py) gets every
block in order; the commands must succeed, the audit must catch the example's mistakes with their hints
and accept its alternative, and the released workbook must hold the new exercise without its solution.
If the guide and the code drift apart, this fails.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

GUIDE = ROOT / "docs" / "instructors_guide.md"
ASSIGNMENT = "s1_jax_fundamentals"
BLOCK = re.compile(r"^```(\w+)[ \t]+([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str, str]]:
    """(language, info, text) of every annotated block of the guide, in order."""
    return [(m.group(1), m.group(2).strip(), m.group(3)) for m in BLOCK.finditer(GUIDE.read_text())]


def insert_above(path: Path, text: str, marker: re.Pattern) -> None:
    source = path.read_text()
    found = list(marker.finditer(source))
    assert found, f"{path}: no line matching {marker.pattern} to insert above"
    at = found[-1].start()
    path.write_text(source[:at] + text + source[at:])


def write_solution(course: Path, name: str, text: str) -> None:
    """The guide's docstring and body in place of the scaffolded placeholder docstring and `raise`."""
    notebook = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(notebook.read_text())
    [cell] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name]
    lines = "".join(cell["source"]).splitlines()
    docstring, *body = text.rstrip("\n").splitlines()
    placeholder = next(i for i, line in enumerate(lines) if line.strip().startswith('"""'))
    lines[placeholder] = docstring
    lines[lines.index("    raise NotImplementedError()")] = "\n".join(body)
    cell["source"] = "\n".join(lines)
    notebook.write_text(json.dumps(nb, indent=1) + "\n")


def run(course: Path, command: str) -> str:
    """A `grader` command of the guide, run in the scratch course with its own copy of the package."""
    argv = shlex.split(command)
    assert argv[0] == "grader", command
    env = {**os.environ, "PYTHONPATH": str(course), "JAX_PLATFORMS": "cpu"}
    env.pop("GRADER_INSTRUCTOR_DIR", None)
    done = subprocess.run([sys.executable, "-m", "grader.cli", *argv[1:]], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def followed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(the scratch course, command -> its output) after following every block of the guide."""
    course = tmp_path_factory.mktemp("guide") / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("grader", "instructor", "source"):
        shutil.copytree(ROOT / folder, course / folder, ignore=ignore)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    outputs = {}
    for language, info, text in blocks():
        kind, _, target = info.partition("=")
        if kind == "file":
            path = course / target
            if path.exists():
                insert_above(path, text + "\n\n", re.compile(r"^(ASSIGNMENT|INSTRUCTOR) = ", re.MULTILINE))
            else:
                path.write_text(text)
        elif kind == "register":
            insert_above(course / target, text, re.compile(r"^(\]\)|\})\s*$", re.MULTILINE))
        elif kind == "solution":
            write_solution(course, target, text)
        elif info == "run":
            for line in text.splitlines():
                if line.strip():
                    outputs[line.strip()] = run(course, line.strip())
    return course, outputs


def test_the_guide_has_a_worked_example():
    kinds = [info.partition("=")[0] for _, info, _ in blocks()]
    assert {"file", "register", "solution", "run"} <= set(kinds), kinds


def test_every_check_of_the_library_is_in_the_guides_reference():
    """The reference table names every check a description can use (a new check must be documented)."""
    import importlib
    import inspect

    from grader.checks.types import Check
    text = GUIDE.read_text()
    modules = ("values", "oracle", "implementations", "gradients", "fitting", "training", "keys", "sampling",
               "mutation", "purity", "pytrees", "splits", "classifiers", "invariances", "images_init",
               "images_training", "equivalences", "ranking", "reconstruction")
    missing = []
    for module_name in modules:
        module = importlib.import_module(f"grader.checks.{module_name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and \
                    fn.__annotations__.get("return") in (Check, "Check") and f"`{name}(" not in text:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"checks missing from {GUIDE.name}: {missing}"


def test_following_the_guide_grades_the_new_exercise(followed):
    course, outputs = followed
    audit = next(out for command, out in outputs.items() if command.startswith("grader audit"))
    assert re.search(r"mistakes caught: 2/2, alternatives accepted: 1/1", audit), audit
    workbook = (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "def softmax_cross_entropy(logits, labels):" in workbook
    assert "take_along_axis(log_p" not in workbook                       # the solution stays in source/
    assert f'checks.visible(\\"{ASSIGNMENT}\\", \\"softmax_cross_entropy\\")' in workbook


def test_the_new_hint_is_in_the_catalogue_of_the_scratch_course(followed):
    course, _ = followed
    env = {**os.environ, "PYTHONPATH": str(course)}
    done = subprocess.run([sys.executable, "-c", "from grader import hints; print(hints.get('label_not_picked').title)"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "Every class averaged, not the true one", done.stderr
