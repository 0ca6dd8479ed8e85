"""Keep everything a check run prints off stderr.

nbgrader gives zero to a test cell that writes to stderr, even for a harmless
warning. While checks run, Python's stdout and stderr, the stderr file
descriptor (C-level messages), warnings and logging are all captured; what was
captured is reported as notes in the verdict instead.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass, field


@dataclass
class Captured:
    stdout: str = ""
    stderr: str = ""
    warnings: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        notes = []
        if self.stdout.strip():
            notes.append("your function printed output while being checked (not shown here).")
        if self.warnings:
            first = self.warnings[0]
            more = f" (and {len(self.warnings) - 1} more)" if len(self.warnings) > 1 else ""
            notes.append(f"a warning was raised while checking: {first}{more}")
        return notes


@contextlib.contextmanager
def quiet():
    """Capture stdout, stderr (Python and file descriptor 2), warnings and logging."""
    captured = Captured()
    out, err = io.StringIO(), io.StringIO()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved_fd = _dup_stderr_fd()
    previous_disable = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            warnings.simplefilter("always")
            yield captured
    finally:
        logging.disable(previous_disable)
        fd_text = _restore_stderr_fd(saved_fd)
        captured.stdout = out.getvalue()
        captured.stderr = err.getvalue() + fd_text
        captured.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]


def _dup_stderr_fd():
    """Point fd 2 at a temporary file; return what is needed to restore it (None if fd 2 is unusable)."""
    try:
        saved = os.dup(2)
    except OSError:
        return None
    tmp = tempfile.TemporaryFile()
    os.dup2(tmp.fileno(), 2)
    return saved, tmp


def _restore_stderr_fd(saved) -> str:
    if saved is None:
        return ""
    fd, tmp = saved
    os.dup2(fd, 2)
    os.close(fd)
    tmp.seek(0)
    text = tmp.read().decode(errors="replace")
    tmp.close()
    return text
