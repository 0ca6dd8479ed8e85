"""Resume bookkeeping: which submissions were graded, from which files and with which tests.

The manifest of an assignment is autograded/.grader/<assignment>.json (grader.layout;
nbgrader and its formgrader ignore hidden folders). For each student it keeps the
checksum of the submission's files and of the grading inputs when it was graded, and
whether grading succeeded. The grading inputs are what nbgrader's autograde grades a
submission with: the gradebook's record of the assignment's cells (the test cells' code
and points it restores, grader.released.fingerprint), the assignment's other files in
source/ (copied over the submission's) and nbgrader_config.py. So a release that changes
a test or its points makes every submission need grading again.

A submission needs grading when it has no entry, failed last time, changed since, its
autograded notebooks are gone, its grades are not in the gradebook, or the grading inputs
changed; until it is graded again, its autograded notebooks are `stale`. The file is
replaced atomically after each submission, so an interrupted run loses at most the
submissions in flight.
"""
from __future__ import annotations

import hashlib
import os
import json
import time
from pathlib import Path

from ..files import replace_text
from ..layout import CONFIG_FILE
from ..released import fingerprint

VERSION = 2      # 2: the inputs include the gradebook's record of the cells


def tree_checksum(*paths: Path, exclude: tuple[str, ...] = ()) -> str:
    """sha256 over the relative names and contents of every file under `paths` (files or folders),
    but those whose name ends with one of `exclude`.

    A symbolic link counts by where it points, never by what it points to (it is not followed: a
    submission's links are refused when it is graded); special files count by their name only.
    """
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        entries = [root] if not root.is_dir() or root.is_symlink() else sorted(root.rglob("*"))
        for path in entries:
            if path.name.endswith(exclude):
                continue
            name = str(path.relative_to(root.parent)).encode() + b"\0"
            if path.is_symlink():
                digest.update(name + b"link:" + os.readlink(path).encode())
            elif path.is_file():
                digest.update(name + hashlib.sha256(path.read_bytes()).digest())
            elif not path.is_dir() and path.exists():
                digest.update(name + b"special")
    return digest.hexdigest()


class Manifest:
    """The manifest of one assignment of a course (grader.course.Course)."""

    def __init__(self, course, assignment: str):
        self.course, self.assignment = course, assignment
        self.layout = course.layout
        self.path = self.layout.manifest(assignment)
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text())
            except (OSError, ValueError) as exc:
                raise ValueError(f"{self.path}: not a readable manifest ({exc}); "
                                 f"delete it or use --force to grade everything again") from None
            if data.get("version") == VERSION:
                self.entries = data.get("students", {})
        with course.gradebook() as gb:
            cells = fingerprint(gb, assignment)
            self.in_gradebook = {s.student.id for s in gb.assignment_submissions(assignment)}
        files = tree_checksum(self.layout.source(assignment), course.root / CONFIG_FILE, exclude=(".ipynb",))
        self.inputs = hashlib.sha256(f"{cells} {files}".encode()).hexdigest()

    def submission_checksum(self, student: str) -> str:
        return tree_checksum(self.layout.submitted(student, self.assignment))

    def needs_grading(self, student: str) -> bool:
        """True unless the student's current submission was graded successfully with the current inputs."""
        entry = self.entries.get(student)
        if not entry or not entry.get("ok") or self.stale(student):
            return True
        graded = self.layout.autograded(student, self.assignment)
        return not all((graded / name).is_file() for name in entry.get("notebooks", []))

    def stale(self, student: str) -> str:
        """Why the student's autograded notebooks and grades are not those of grading their submission
        with the current inputs, or "" when they are (or when nothing was recorded to tell)."""
        entry = self.entries.get(student)
        if student not in self.in_gradebook:
            return "its grades are not in the gradebook (removed since it was graded?)"
        if entry is None:
            return ""
        if not entry.get("ok"):
            return f"its last grading failed: {entry.get('reason') or 'no reason recorded'}"
        if entry.get("inputs") != self.inputs:
            return "graded before the assignment's tests, points or configuration changed"
        if entry.get("submission") != self.submission_checksum(student):
            return "the submission changed since it was graded"
        return ""

    def stale_among(self, students: list[str]) -> dict[str, str]:
        """student -> why, for those of `students` whose autograded notebooks are stale."""
        return {student: why for student in students if (why := self.stale(student))}

    def record(self, student: str, ok: bool, reason: str, checksum: str, notebooks: list[str]) -> None:
        """Note the outcome of grading `student` (checksum: of the submission as it was graded) and save."""
        self.entries[student] = {"ok": ok, "reason": reason, "submission": checksum, "inputs": self.inputs,
                                 "notebooks": notebooks, "graded": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        if ok:
            self.in_gradebook.add(student)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_text(self.path, json.dumps({"version": VERSION, "assignment": self.assignment,
                                            "students": self.entries}, indent=1, sort_keys=True))
