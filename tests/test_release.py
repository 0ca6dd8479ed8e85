"""release/ is a fresh nbgrader build of source/, leaks nothing, and validates as it should.

The fresh build is made in a temporary copy of the course (nbgrader_config.py and
source/), so the checkout's release/ and gradebook are never touched.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from grader import exercises
from grader.course import Course
from grader.kernel_env import kernel_env

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = exercises.names()
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def copy_course(source_root: Path, dest: Path) -> Course:
    """A new course at `dest` with the config and source/ of `source_root` (no release, no gradebook)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(source_root / "nbgrader_config.py", dest)
    shutil.copytree(source_root / "source", dest / "source")
    return Course(dest)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Course:
    """A temporary course whose release/ was just built from the checkout's source/."""
    course = copy_course(ROOT, tmp_path_factory.mktemp("fresh"))
    for name in ASSIGNMENTS:
        course.release(name)
    return course


def differences(committed: Path, fresh: Path) -> list[str]:
    """How the directory `committed` differs from `fresh`: files, and notebooks cell by cell."""
    if not committed.is_dir():
        return [f"{committed}: missing"]
    files = lambda d: sorted(p.relative_to(d) for p in d.rglob("*") if p.is_file())  # noqa: E731
    if files(committed) != files(fresh):
        return [f"{committed}: files {files(committed)}, a fresh build has {files(fresh)}"]
    found = []
    for rel in files(fresh):
        a, b = committed / rel, fresh / rel
        if rel.suffix != ".ipynb":
            if a.read_bytes() != b.read_bytes():
                found.append(f"{a}: differs from a fresh build")
            continue
        nb_a, nb_b = nbformat.read(str(a), as_version=4), nbformat.read(str(b), as_version=4)
        if nb_a.metadata != nb_b.metadata:
            found.append(f"{a}: notebook metadata differs from a fresh build")
        if len(nb_a.cells) != len(nb_b.cells):
            found.append(f"{a}: {len(nb_a.cells)} cells, a fresh build has {len(nb_b.cells)}")
        for i, (cell_a, cell_b) in enumerate(zip(nb_a.cells, nb_b.cells)):
            for key in sorted(set(cell_a) | set(cell_b)):
                if cell_a.get(key) != cell_b.get(key):
                    found.append(f"{a}: cell {i} {key} differs from a fresh build")
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_a_fresh_build(assignment, fresh):
    problems = differences(ROOT / "release" / assignment, fresh.root / "release" / assignment)
    assert not problems, "\n".join(problems + ["run `grader release` and commit release/"])


def test_an_edited_source_is_caught(tmp_path, fresh):
    """The comparison above fails when source/ changes and release/ is not rebuilt."""
    assignment = ASSIGNMENTS[0]
    edited = copy_course(ROOT, tmp_path)
    path = edited.source_notebook(assignment)
    nb = nbformat.read(str(path), as_version=4)
    markdown = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    markdown.source += "\n\nA sentence added without regenerating release/."
    nbformat.write(nb, str(path))
    edited.release(assignment)
    problems = differences(fresh.root / "release" / assignment, edited.root / "release" / assignment)
    assert problems and "differs" in problems[0]


def _regions(nb, markers: tuple[str, str]) -> tuple[set[str], set[str]]:
    """(stripped lines inside `markers` regions of code cells, stripped lines outside them anywhere)."""
    inside, outside = set(), set()
    begin, end = markers
    for cell in nb.cells:
        within = False
        for line in cell.source.splitlines():
            text = line.strip()
            if cell.cell_type == "code" and text == begin:
                within = True
            elif cell.cell_type == "code" and text == end:
                within = False
            elif text:
                (inside if within else outside).add(text)
    return inside, outside


def _secret_lines(source_nb, markers) -> set[str]:
    """Lines that appear only inside the marked regions of the source (the ones that must not leak)."""
    inside, outside = _regions(source_nb, markers)
    return inside - outside


def _release_lines(release_nb) -> set[str]:
    return {line.strip() for cell in release_nb.cells for line in cell.source.splitlines() if line.strip()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_code(assignment, fresh):
    source = nbformat.read(str(fresh.source_notebook(assignment)), as_version=4)
    release = nbformat.read(str(fresh.release_notebook(assignment)), as_version=4)
    secret = _secret_lines(source, SOLUTION)
    assert secret, "the source has solution regions"
    leaked = secret & _release_lines(release)
    assert not leaked, f"{fresh.release_notebook(assignment)}: solution lines in the release: {sorted(leaked)}"
    answers = [c for c in release.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    assert len(answers) == len(exercises.load(assignment).exercises)
    assert all("raise NotImplementedError()" in cell.source for cell in answers)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_hidden_tests(assignment, fresh):
    source = nbformat.read(str(fresh.source_notebook(assignment)), as_version=4)
    release = nbformat.read(str(fresh.release_notebook(assignment)), as_version=4)
    secret = _secret_lines(source, HIDDEN)
    assert secret, "the source has hidden tests"
    text = nbformat.writes(release)
    assert "HIDDEN TESTS" not in text
    assert not re.search(r"checks\.hidden\(", text)
    leaked = secret & _release_lines(release)
    assert not leaked, f"{fresh.release_notebook(assignment)}: hidden test lines in the release: {sorted(leaked)}"


def _validate(course: Course, notebook: Path) -> dict:
    """nbgrader's Validator on `notebook`, with the course's config and the kernels' environment."""
    from nbgrader.validator import Validator
    with kernel_env():
        return Validator(config=course.config).validate(str(notebook))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_validates(assignment, fresh):
    result = _validate(fresh, fresh.source_notebook(assignment))
    failed = [f["raw_error"] or f["source"] for f in result.get("failed", [])]
    assert not failed, f"{fresh.source_notebook(assignment)}: failing cells:\n" + "\n---\n".join(failed)
    assert not result.get("type_changed") and not result.get("changed")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_fails_validation(assignment, fresh):
    result = _validate(fresh, fresh.release_notebook(assignment))
    # Every visible test cell calls a function that raises NotImplementedError and scores 0;
    # hidden test cells are empty in the release, so nbgrader counts them as passed.
    assert len(result.get("failed", [])) == len(exercises.load(assignment).exercises)
