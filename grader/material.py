"""Where the instructor-only material of a course lives.

Two kinds of material, two places. What ships to students is the `grader` package
(checks, hints, public exercise descriptions, public reference data). What stays
with the instructor is the course folder's `instructor/`:

    instructor/exercises/<assignment>.py     the instructor half of each exercise
                                              (hidden cases and checks, oracles, corpus)
    instructor/reference/<assignment>/       hidden.json + hidden.npz: hidden cases, the
                                              seed they were drawn with, reference outputs

It is found, in this order: `$GRADER_INSTRUCTOR_DIR`; an `instructor/` folder beside
`nbgrader_config.py` in the working directory or one of its parents (where nbgrader
runs); the `instructor/` folder beside the `grader` package of a course checkout.
A grading sandbox binds none of these, so graded code cannot read them.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "GRADER_INSTRUCTOR_DIR"
FOLDER = "instructor"


class InstructorMaterialMissing(FileNotFoundError):
    """The instructor's material is not here (a student's install, or a course without it)."""


def _candidates() -> list[Path]:
    if os.environ.get(ENV_VAR):
        return [Path(os.environ[ENV_VAR])]
    found = []
    here = Path.cwd().resolve()
    for directory in (here, *here.parents):
        if (directory / "nbgrader_config.py").is_file():
            found.append(directory / FOLDER)
            break
    found.append(Path(__file__).resolve().parents[1] / FOLDER)
    return found


def instructor_dir() -> Path:
    """The course's `instructor/` folder; InstructorMaterialMissing when there is none."""
    candidates = _candidates()
    for candidate in candidates:
        if (candidate / "exercises").is_dir():
            return candidate
    raise InstructorMaterialMissing(
        "the instructor's material (hidden tests, corpus) is not here: looked in "
        + ", ".join(str(c) for c in candidates)
        + f". Hidden tests run only in the instructor's course checkout (or set ${ENV_VAR}).")


def exercises_file(assignment: str) -> Path:
    """instructor/exercises/<assignment>.py."""
    return instructor_dir() / "exercises" / f"{assignment}.py"


def source_notebook(assignment: str) -> Path:
    """source/<assignment>/<assignment>.ipynb of the course beside `instructor/` (may not exist)."""
    return instructor_dir().parent / "source" / assignment / f"{assignment}.ipynb"


def hidden_data_dir(assignment: str) -> Path:
    """instructor/reference/<assignment>/ (not created here)."""
    return instructor_dir() / "reference" / assignment
