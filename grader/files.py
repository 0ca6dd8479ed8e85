"""Writing files that other tools read: never half-written."""
from __future__ import annotations

import os
from pathlib import Path


def replace_text(path: Path, text: str, mode: int | None = None) -> Path:
    """Replace `path` with `text` (UTF-8) at once: written beside it, then renamed over it.

    mode: permission bits for the new file (default: the umask's). The folder must exist.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="")  # as given: csv brings its own \r\n
    if mode is not None:
        os.chmod(partial, mode)
    os.replace(partial, path)
    return path
