"""Resume bookkeeping: which submissions were graded, from which files.

The manifest of an assignment is autograded/.grader/<assignment>.json (nbgrader
and its formgrader ignore hidden folders). For each student it keeps the
checksum of the submission's files and of the grading inputs (the source
assignment and nbgrader_config.py) when it was graded, and whether grading
succeeded. A submission needs grading when it has no entry, failed last time,
changed since, its autograded notebooks are gone, or the grading inputs changed.
The file is replaced atomically after each submission, so an interrupted run
loses at most the submissions in flight.
"""
from __future__ import annotations

import hashlib
import os
import json
import time
from pathlib import Path

from ..files import replace_text

VERSION = 1


def tree_checksum(*paths: Path) -> str:
    """sha256 over the relative names and contents of every file under `paths` (files or folders).

    A symbolic link counts by where it points, never by what it points to (it is not followed: a
    submission's links are refused when it is graded); special files count by their name only.
    """
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        entries = [root] if not root.is_dir() or root.is_symlink() else sorted(root.rglob("*"))
        for path in entries:
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
        self.path = course.root / "autograded" / ".grader" / f"{assignment}.json"
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text())
            except (OSError, ValueError) as exc:
                raise ValueError(f"{self.path}: not a readable manifest ({exc}); "
                                 f"delete it or use --force to grade everything again") from None
            if data.get("version") == VERSION:
                self.entries = data.get("students", {})
        self.inputs = tree_checksum(course.root / "source" / assignment, course.root / "nbgrader_config.py")

    def submission_checksum(self, student: str) -> str:
        return tree_checksum(self.course.root / "submitted" / student / self.assignment)

    def needs_grading(self, student: str) -> bool:
        """True unless the student's current submission was graded successfully with the current inputs."""
        entry = self.entries.get(student)
        if not entry or not entry.get("ok") or entry.get("inputs") != self.inputs:
            return True
        if entry.get("submission") != self.submission_checksum(student):
            return True
        graded = self.course.root / "autograded" / student / self.assignment
        return not all((graded / name).is_file() for name in entry.get("notebooks", []))

    def record(self, student: str, ok: bool, reason: str, checksum: str, notebooks: list[str]) -> None:
        """Note the outcome of grading `student` (checksum: of the submission as it was graded) and save."""
        self.entries[student] = {"ok": ok, "reason": reason, "submission": checksum, "inputs": self.inputs,
                                 "notebooks": notebooks, "graded": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_text(self.path, json.dumps({"version": VERSION, "assignment": self.assignment,
                                            "students": self.entries}, indent=1, sort_keys=True))
