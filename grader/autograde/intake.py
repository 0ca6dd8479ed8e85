"""What a submitted folder must hold before nbgrader sees it: the assignment's notebooks, by name, readable.

Left to nbgrader, a renamed notebook fails with "No notebooks found, did you forget to run 'nbgrader
generate_assignment'?" and an empty or non-JSON file is reported under autograded/. `check_notebooks`
names the submitted file and what was expected instead, in one line a TA can act on:

- a missing notebook: the expected name and the notebooks found (a renamed copy, say);
- an empty file, a file that is not UTF-8 text, not JSON, JSON that is not a notebook, or a notebook
  that nbformat cannot read (a future nbformat version).
"""
from __future__ import annotations

import json
from pathlib import Path


class SubmissionUnreadable(Exception):
    """A submission nbgrader cannot grade; the message starts with the submitted path."""


def check_notebooks(folder: Path, expected: list[str], shown_as: str) -> None:
    """Raise SubmissionUnreadable unless `folder` holds each notebook of `expected` (file names, e.g.
    "s1_jax_fundamentals.ipynb") and each can be read as a notebook. `shown_as`: the folder as messages
    name it (relative to the course, e.g. "submitted/ada/s1_jax_fundamentals")."""
    found = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    missing = [name for name in expected if name not in found]
    if missing:
        raise SubmissionUnreadable(f"{shown_as}/: no {' or '.join(missing)}; {_found(folder, found)}; the notebook "
                                   f"must keep the name it was released with")
    for name in expected:
        problem = notebook_problem(folder / name)
        if problem:
            raise SubmissionUnreadable(f"{shown_as}/{name}: {problem}; expected the assignment's notebook as "
                                       f"Jupyter saves it")


def notebook_problem(path: Path) -> str:
    """Why the file at `path` is not a notebook nbformat can read, or "" when it is."""
    import nbformat
    data = path.read_bytes()
    if not data.strip():
        return f"an empty file ({len(data)} bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not text: byte {exc.start} is not UTF-8 (a binary file?)"
    try:
        content = json.loads(text)
    except ValueError as exc:
        return f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if not isinstance(content, dict) or not isinstance(content.get("cells", content.get("worksheets")), list):
        return f"JSON, but not a Jupyter notebook (a {type(content).__name__} without a list of cells)"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 (nbformat raises many kinds: each is this file's problem, said)
        return f"a notebook nbformat cannot read (nbformat {content.get('nbformat', '?')}: {_first_line(exc)})"
    return ""


def _found(folder: Path, notebooks: list[str]) -> str:
    if notebooks:
        return "found " + ", ".join(notebooks)
    if not folder.is_dir():
        return "the folder does not exist"
    others = sorted(p.name for p in folder.iterdir())
    return "found no notebook" + (f" (only {', '.join(others[:5])}{' ...' if len(others) > 5 else ''})"
                                  if others else " (the folder is empty)")


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
