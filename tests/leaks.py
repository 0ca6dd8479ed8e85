"""Finding answers in what ships to students: a scanner for wheels, bundles and folders.

An answer is (1) a definition of a graded function (names taken from the source
notebooks' solution cells) with more in its body than a docstring and
`raise NotImplementedError`, in a Python file or a notebook's code cell, or (2) the code of
any corpus snippet (a known mistake or a correct alternative) or of any solution cell,
found in any text file (whitespace ignored).
"""
from __future__ import annotations

import ast
import json
import re
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader import exercises
from grader.reference import solutions

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
MIN_SECRET_CHARS = 24    # shorter bodies (`return x`) say nothing an exercise's text does not


@dataclass(frozen=True)
class Leak:
    file: str
    what: str


def graded_names() -> set[str]:
    """Every function a source notebook's solution cells define."""
    names = set()
    for notebook in sorted(ROOT.glob("source/*/*.ipynb")):
        for source in solutions.solution_cells(notebook):
            names.update(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    return names


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _body(code: str) -> str:
    """The body of the first function a snippet defines (the `def` line is the signature, public)."""
    code = textwrap.dedent(code).strip("\n")
    tree = ast.parse(code)
    lines = code.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = node.body[0].lineno - 1
            if isinstance(node.body[0], ast.Expr) and isinstance(getattr(node.body[0], "value", None), ast.Constant):
                start = node.body[1].lineno - 1 if len(node.body) > 1 else node.end_lineno
            return "\n".join(lines[start:node.end_lineno])
    return code


def secrets() -> dict[str, str]:
    """squashed code -> where it comes from: corpus snippets' and solution cells' bodies."""
    found = {}
    for assignment in exercises.names():
        for exercise in exercises.load(assignment, instructor=True).exercises:
            for kind, snippets in (("mistake", exercise.mistakes), ("alternative", exercise.alternatives)):
                for i, snippet in enumerate(snippets):
                    body = _squash(_body(snippet.code))
                    if len(body) >= MIN_SECRET_CHARS:
                        found[body] = f"{assignment}/{exercise.name} {kind} {i}"
        for source in solutions.solution_cells(ROOT / "source" / assignment / f"{assignment}.ipynb"):
            for block in SOLUTION_BLOCK.findall(source):
                body = _squash(block)
                if len(body) >= MIN_SECRET_CHARS:
                    found[body] = f"{assignment} solution cell"
    return found


def _is_stub(node: ast.FunctionDef) -> bool:
    body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return all(isinstance(n, ast.Raise) or isinstance(n, ast.Pass) for n in body)


def _definitions(source: str, names: set[str]) -> list[str]:
    """Graded functions defined with a real body (module level or nested, not methods)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []

    def visit(node, in_class: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, True)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name in names and not in_class and not _is_stub(child):
                    found.append(f"defines {child.name}() (line {child.lineno})")
                visit(child, False)
            else:
                visit(child, in_class)
    visit(tree, False)
    return found


def scan_text(name: str, text: str, names: set[str], known: dict[str, str]) -> list[Leak]:
    """Leaks in one file's text."""
    leaks = []
    if name.endswith(".py"):
        leaks += [Leak(name, what) for what in _definitions(text, names)]
    if name.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            cells = []
        for index, cell in enumerate(cells):
            if cell.get("cell_type") == "code":
                source = "".join(cell.get("source", []))
                leaks += [Leak(f"{name} cell {index}", what) for what in _definitions(source, names)]
    squashed = _squash(text.replace("\\n", "\n").replace('\\"', '"'))
    leaks += [Leak(name, f"contains the code of {where}") for body, where in known.items() if body in squashed]
    return leaks


TEXT_SUFFIXES = (".py", ".ipynb", ".json", ".txt", ".md", ".j2", ".cfg", ".toml", ".html", ".csv")


def scan_wheel(wheel: Path) -> list[Leak]:
    names, known = graded_names(), secrets()
    leaks = []
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(TEXT_SUFFIXES) or "." not in member.rsplit("/", 1)[-1]:
                text = archive.read(member).decode("utf-8", errors="replace")
                leaks += scan_text(f"{wheel.name}:{member}", text, names, known)
    return leaks


def scan_folder(folder: Path) -> list[Leak]:
    names, known = graded_names(), secrets()
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix == ".whl":
            leaks += scan_wheel(path)
        elif path.is_file() and (path.suffix in TEXT_SUFFIXES or not path.suffix):
            leaks += scan_text(str(path.relative_to(folder)), path.read_text(errors="replace"), names, known)
    return leaks
