"""Where a course's files are: nbgrader's layout, as the course's configuration sets it.

A course is the directory holding `nbgrader_config.py`. nbgrader puts each step of an
assignment at `CourseDirectory.format_path(<step's directory>, <student>, <assignment>)`:
`directory_structure` (default `{nbgrader_step}/{student_id}/{assignment_id}`) and the
step directories (`source_directory`, `release_directory`, `submitted_directory`,
`autograded_directory`, `feedback_directory`) are configurable. Every course path the
grader reads or writes comes from `Layout`, so a course that renames them works throughout.
"""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from .errors import CourseError

CONFIG_FILE = "nbgrader_config.py"
STEPS = ("source", "release", "submitted", "autograded", "feedback")


def find_root(start: Path | str | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) holding nbgrader_config.py."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    if start is not None and not here.is_dir():
        raise CourseError(f"{here}: no such directory")
    for directory in (here, *here.parents):
        if (directory / CONFIG_FILE).is_file():
            return directory
    raise CourseError(f"{here}: no {CONFIG_FILE} here or in any parent directory (not inside a course)")


def load_config(root: Path):
    """The traitlets Config of the course at `root` (its nbgrader_config.py), rooted at `root`."""
    from traitlets.config.loader import PyFileConfigLoader
    path = Path(root) / CONFIG_FILE
    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except Exception as exc:  # noqa: BLE001 (a config file can raise anything)
        raise CourseError(f"{path}: could not be loaded ({type(exc).__name__}: {exc})") from None
    config.CourseDirectory.root = str(root)
    return config


class Layout:
    """The paths of one course, from nbgrader's `CourseDirectory` made with the course's Config."""

    def __init__(self, config, log=None):
        from nbgrader.coursedir import CourseDirectory
        self.coursedir = CourseDirectory(config=config, **({"log": log} if log is not None else {}))
        self.root = Path(self.coursedir.root)

    @classmethod
    def of(cls, root: Path | str) -> Layout:
        """The layout of the course whose nbgrader_config.py is in `root`."""
        return cls(load_config(Path(root).resolve()))

    def directory(self, step: str) -> str:
        """The configured name of a step's directory ("autograded" -> CourseDirectory.autograded_directory)."""
        if step not in STEPS:
            raise ValueError(f"no nbgrader step {step!r}; steps: {', '.join(STEPS)}")
        return getattr(self.coursedir, f"{step}_directory")

    def path(self, step: str, student: str, assignment: str) -> Path:
        """Where nbgrader keeps `assignment` of `student` at `step` (student "." for source/ and release/)."""
        return Path(os.path.normpath(self.coursedir.format_path(self.directory(step), student, assignment)))

    def source(self, assignment: str) -> Path:
        return self.path("source", ".", assignment)

    def release(self, assignment: str) -> Path:
        return self.path("release", ".", assignment)

    def submitted(self, student: str, assignment: str) -> Path:
        return self.path("submitted", student, assignment)

    def autograded(self, student: str, assignment: str) -> Path:
        return self.path("autograded", student, assignment)

    def feedback(self, student: str, assignment: str) -> Path:
        return self.path("feedback", student, assignment)

    def source_notebook(self, assignment: str) -> Path:
        """The assignment's notebook in source/ (named after the assignment, as in this course)."""
        return self.source(assignment) / f"{assignment}.ipynb"

    def release_notebook(self, assignment: str) -> Path:
        return self.release(assignment) / f"{assignment}.ipynb"

    def manifest(self, assignment: str) -> Path:
        """The autograder's record of what it graded (a hidden folder in autograded/, which nbgrader ignores)."""
        return self.root / self.directory("autograded") / ".grader" / f"{assignment}.json"

    def students(self, step: str, assignment: str) -> list[str]:
        """Sorted ids of the students with a folder of `assignment` at `step` (as nbgrader finds them)."""
        directory = self.directory(step)
        pattern = self.coursedir.format_path(glob.escape(directory), "*", glob.escape(assignment))
        regex = self.coursedir.format_path(re.escape(directory), f"(?P<student>[^{re.escape(os.sep)}]+)",
                                           re.escape(assignment), escape=True)
        found = set()
        for path in glob.glob(pattern):
            match = re.fullmatch(regex, path)
            if match and os.path.isdir(path):
                found.add(match["student"])
        return sorted(found)
