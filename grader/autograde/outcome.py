"""`Autograded`: what autograding did for one submission."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Autograded:
    """What autograding did for one student: ok or not, a one-line reason, and the full log."""
    student: str
    ok: bool
    message: str = ""
    log: str = ""
    grader_errors: tuple[str, ...] = ()   # faults of the grader's own code while grading it (not the student's)
