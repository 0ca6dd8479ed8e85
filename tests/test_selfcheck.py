"""Students' self-check, through pytest's own output: `pytest workbook.ipynb`.

Each test runs pytest in a subprocess (the plugin is installed with the package)
on a workbook: the solved notebook, the blank release workbook, and a workbook
with one typical mistake.
"""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from grader import exercises

pytest_plugins = ["pytester"]

ASSIGNMENT = "s1_jax_fundamentals"


def workbook_with(course_root, replacements: dict[str, str]):
    """The release workbook with the named solution cells replaced (None: the source solution)."""
    nb = nbformat.read(str(course_root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    source = nbformat.read(str(course_root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    solved = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
              if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id in replacements:
            cell.source = replacements[grade_id] or solved[grade_id]
    return nb


def write(pytester, name, nb) -> str:
    path = pytester.path / name
    nbformat.write(nb, str(path))
    return str(path)


@pytest.fixture(scope="module")
def exercise_names():
    return [e.name for e in exercises.load(ASSIGNMENT).exercises]


def test_solved_workbook_passes_every_visible_item(pytester, course_root, exercise_names):
    path = write(pytester, "solved.ipynb", workbook_with(course_root, {n: None for n in exercise_names}))
    result = pytester.runpytest_subprocess(path, "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(exercise_names))
    result.stdout.fnmatch_lines(["*::test_noisy_line PASSED (2/2 points)*",
                                 "*visible tests: 11 / 11 points*"])
    assert "hidden" not in result.stdout.str()


@pytest.mark.parametrize("on_ci", [False, True], ids=["terminal", "on-ci"])
def test_blank_workbook_fails_every_item_saying_what_to_implement(pytester, course_root, exercise_names,
                                                                  monkeypatch, on_ci):
    # On CI pytest prints the short summary's messages untrimmed: the verdict must
    # still be shown once per item, with one summary line per item.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    if on_ci:
        monkeypatch.setenv("CI", "true")
    shutil.copy(course_root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", pytester.path / "blank.ipynb")
    result = pytester.runpytest_subprocess("blank.ipynb", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=len(exercise_names))
    assert result.ret == 1
    assert result.stdout.str().count("Not implemented yet (the function raises NotImplementedError)") \
        == len(exercise_names)
    # Each failure is located at its test cell, as pytest's doctest plugin locates a docstring.
    cells = {c.metadata["nbgrader"]["grade_id"]: i + 1 for i, c in enumerate(
        nbformat.read(str(pytester.path / "blank.ipynb"), as_version=4).cells) if "nbgrader" in c.metadata}
    result.stdout.fnmatch_lines([f"*_ [[]cell {cells['test_noisy_line']}[]] visible test of noisy_line _*",
                                 "noisy_line (visible tests): 0 / 2 points",
                                 f"blank.ipynb:{cells['test_noisy_line']}: noisy_line (visible tests): 0 / 2 points",
                                 "*visible tests: 0 / 11 points*",
                                 "*short test summary info*",
                                 "FAILED (0/2 points) blank.ipynb::test_noisy_line - noisy_line (visible tests)*",
                                 "FAILED (0/2 points) blank.ipynb::test_two_independent_normals - *"])


def test_one_mistake_fails_exactly_that_item_with_its_hint(pytester, course_root, exercise_names):
    reused = exercises.load(ASSIGNMENT, instructor=True)["two_independent_normals"].mistakes[0]
    assert reused.hint == "identical_draws"
    replacements = {n: None for n in exercise_names}
    replacements["two_independent_normals"] = reused.code
    path = write(pytester, "mistake.ipynb", workbook_with(course_root, replacements))
    result = pytester.runpytest_subprocess(path, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(exercise_names) - 1, failed=1)
    result.stdout.fnmatch_lines(["*Hint (identical_draws)*",
                                 "*FAILED*mistake.ipynb::test_two_independent_normals*"])


def test_k_selects_and_x_stops(pytester, course_root):
    shutil.copy(course_root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", pytester.path / "blank.ipynb")
    result = pytester.runpytest_subprocess("blank.ipynb", "-k", "record", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, deselected=6)
    result = pytester.runpytest_subprocess("blank.ipynb", "-x", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)


def test_workbook_runs_in_its_own_folder_when_named_from_elsewhere(pytester, course_root, exercise_names):
    # The kernel is started before collection, from the command line's path: it must work in the
    # workbook's folder, where a student's files are, not in the folder pytest was started from.
    replacements = {n: None for n in exercise_names}
    source = nbformat.read(str(course_root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    [noisy_line] = [c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    == "noisy_line"]
    replacements["noisy_line"] = 'open("beside_the_workbook.txt").read()\n' + noisy_line
    (pytester.path / "week1").mkdir()
    (pytester.path / "week1" / "beside_the_workbook.txt").write_text("data")
    write(pytester, "week1/solved.ipynb", workbook_with(course_root, replacements))
    result = pytester.runpytest_subprocess("week1/solved.ipynb", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(exercise_names))


def test_grader_cell_timeout_stops_a_cell_and_the_unprefixed_option_is_gone(pytester, course_root,
                                                                           exercise_names):
    replacements = {n: None for n in exercise_names}
    replacements["noisy_line"] = "import time\ntime.sleep(600)\n"
    path = write(pytester, "slow.ipynb", workbook_with(course_root, replacements))
    result = pytester.runpytest_subprocess(path, "-k", "noisy_line", "--grader-cell-timeout", "3",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, deselected=len(exercise_names) - 1)
    result.stdout.fnmatch_lines(["*Not run: cell * (noisy_line) did not finish within 3 s*"])
    result = pytester.runpytest_subprocess(path, "--cell-timeout", "3", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: --cell-timeout*"])


def test_not_a_workbook_and_broken_json_are_clear_errors(pytester):
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(plain, str(pytester.path / "plain.ipynb"))
    (pytester.path / "broken.ipynb").write_text('{"cells": [')
    result = pytester.runpytest_subprocess("plain.ipynb", "broken.ipynb", "-p", "no:cacheprovider")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*plain.ipynb: not an assignment workbook*",
                                 "*broken.ipynb: not valid notebook JSON (line 1*"])


def test_deleted_test_cell_and_dying_kernel_are_named(pytester, course_root, exercise_names):
    replacements = {n: None for n in exercise_names}
    replacements["set_entry"] = "import os\nos._exit(1)\n"
    nb = workbook_with(course_root, replacements)
    nb.cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_noisy_line"]
    path = write(pytester, "damaged.ipynb", nb)
    result = pytester.runpytest_subprocess(path, "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "The test cell test_noisy_line is missing from damaged.ipynb" in out
    assert "the kernel died while running cell" in out and "(set_entry)" in out
    assert result.ret == 1


def test_grader_check_json(tmp_path, course_root):
    import subprocess
    import sys
    workbook = tmp_path / "blank.ipynb"
    shutil.copy(course_root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", workbook)
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(workbook), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["score"] == 0 and report["max_points"] == 11  # 11 visible points in the source notebook
    assert {t["grade_id"] for t in report["tests"]} == {e.grade_ids["visible"]
                                                       for e in exercises.load(ASSIGNMENT).exercises}
    assert all(t["hints"] == ["not_implemented"] for t in report["tests"])
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(tmp_path / "missing.ipynb")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "missing.ipynb: no such file" in proc.stdout
