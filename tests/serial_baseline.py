"""The baseline `grader autograde` is compared with: plain `nbgrader autograde`, one submission after another.

Used by tests/test_autograde_parallel.py (gradebooks and autograded notebooks must agree) and by
benchmarks/autograde.py (the serial rows of its table). Each submission goes through nbgrader's
own `NbGraderAPI.autograde` in the grader's kernel environment (grader.kernel_env); what nbgrader
logs and what the kernel writes to stderr go into the result's log, not the terminal.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from typing import Callable

from grader.autograde.outcome import Autograded
from grader.course import Course, failure_reason
from grader.kernel_env import kernel_env


def autograde(course: Course, assignment: str, students: list[str] | None = None,
              done: Callable[[Autograded], None] = lambda graded: None) -> list[Autograded]:
    """nbgrader autograde each student's submission in turn (default: every submission).

    A submission that fails is recorded as such (ok=False, with the reason) and the run goes on;
    `done` is called with each result as it comes.
    """
    students = course.submitted_students(assignment) if students is None else list(students)
    results = []
    for student in students:
        results.append(autograde_one(course, assignment, student))
        done(results[-1])
    return results


def autograde_one(course: Course, assignment: str, student: str) -> Autograded:
    """nbgrader autograde of one submission; never raises for a bad one."""
    path = course.layout.submitted(student, assignment)
    if not path.is_dir():
        return Autograded(student, False, f"{path}: no submission")
    with _captured_stderr() as captured, kernel_env():
        try:
            result = course.api.autograde(assignment, student, force=True, create=True)
        except Exception as exc:  # noqa: BLE001 (one submission must not stop the run)
            result = {"success": False, "error": f"{type(exc).__name__}: {exc}"}
    log = result.get("log", "") + captured.text
    if not result["success"]:
        log += result.get("error", "")
        return Autograded(student, False, f"{path}: {failure_reason(result)}", log)
    return Autograded(student, True, "", log)


class _Captured:
    text = ""


@contextlib.contextmanager
def _captured_stderr():
    """Capture file descriptor 2 (kernels inherit it) and Python warnings; the text is in `.text` after."""
    captured = _Captured()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            captured.text = tmp.read().decode(errors="replace") + "".join(
                f"{w.category.__name__}: {w.message}\n" for w in caught)
