"""The `grader` command: every subcommand has --help; expected errors are one line and exit 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

GRADER = [sys.executable, "-m", "grader.cli"]
SUBCOMMANDS = [["release"], ["autograde"], ["feedback"], ["report"], ["export"], ["demo"], ["audit"], ["bundle"],
               ["check"], ["scaffold"], ["refs"], ["refs", "build"], ["refs", "check"]]


def run(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "200"}       # rich tables unwrapped
    return subprocess.run(GRADER + list(args), capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def test_help_lists_subcommands():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    for name in ("release", "autograde", "feedback", "report", "export", "demo", "refs"):
        assert name in result.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS, ids=" ".join)
def test_subcommand_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: grader " + " ".join(command))


def test_outside_a_course(tmp_path):
    result = run("release", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "nbgrader_config.py" in result.stderr


def test_unknown_assignment():
    result = run("autograde", "no_such_assignment")
    assert result.returncode == 2
    assert "no_such_assignment" in result.stderr and "Traceback" not in result.stderr


def test_bad_source_notebook(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    from grader import exercises
    name = exercises.names()[0]
    notebook = tmp_path / "source" / name / f"{name}.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("not a notebook")
    result = run("--course", str(tmp_path), "refs", "check", name)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(notebook) in result.stderr.replace("\n", "")


def test_audit_of_one_exercise():
    result = run("audit", "--fast", "--exercise", "soft_threshold")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "soft_threshold" in result.stdout and "noisy_line" not in result.stdout
    assert "mistakes caught: 6/6, alternatives accepted: 2/2" in result.stdout   # the corpus of soft_threshold
    unknown = run("audit", "--fast", "--exercise", "no_such_exercise")
    assert unknown.returncode == 2 and "no_such_exercise" in unknown.stderr


def test_bundle_refuses_an_existing_folder(tmp_path):
    result = run("bundle", "--out", str(tmp_path))
    assert result.returncode == 2 and "already exists" in result.stderr and "Traceback" not in result.stderr
