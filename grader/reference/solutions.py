"""The reference solutions, taken from the instructor's source notebooks.

Solution cells (nbgrader `solution: true`, code) are run in order in a fresh
namespace that has `jax`, `jnp` and `np` imported; the graded functions are
taken from it. Solution cells must not rely on other cells' variables.
"""
from __future__ import annotations

import hashlib
import linecache
from pathlib import Path

import nbformat

from ..checks.snippets import PRELUDE


def solution_cells(notebook_path: Path) -> list[str]:
    """Source of every code solution cell of a notebook, in order."""
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
    except FileNotFoundError:
        raise FileNotFoundError(f"{notebook_path}: source notebook not found") from None
    except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds)
        raise ValueError(f"{notebook_path}: not a readable notebook ({exc})") from None
    return [cell.source for cell in nb.cells
            if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")]


def checksum(notebook_path: Path) -> str:
    """sha256 of the solution cells' source: changes when a solution changes."""
    digest = hashlib.sha256()
    for source in solution_cells(notebook_path):
        digest.update(source.encode() + b"\0")
    return digest.hexdigest()


def load(notebook_path: Path) -> dict:
    """Namespace after running the solution cells of `notebook_path`."""
    namespace = dict(PRELUDE)
    for i, source in enumerate(solution_cells(notebook_path)):
        filename = f"<solution {notebook_path.name} cell {i}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 (instructor's own code)
        except Exception as exc:
            raise RuntimeError(f"{notebook_path}: solution cell {i} raised {type(exc).__name__}: {exc}") from exc
    return namespace
