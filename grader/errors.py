"""`CourseError`: an expected problem with a course, whose message names the file."""
from __future__ import annotations


class CourseError(Exception):
    """An expected problem (missing file, bad notebook, nbgrader failure); the message names the file."""
