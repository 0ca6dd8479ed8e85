"""The package reads from the top: the check library imports nothing above it, no import cycles.

Read from the `import` / `from` statements of every module (ast: nothing is run), the imports
inside functions included.
"""
from __future__ import annotations

import ast
from pathlib import Path

import grader.checks

PACKAGE = Path(grader.checks.__file__).parents[1]
# The one import from the check library upward: the notebook-facing facade reaches the grading entry
# point (descriptions and reference data) when a test cell is graded, inside `checks.grade`.
FACADE = ("grader.checks", "grader.grading")
ABOVE_THE_LIBRARY = ("grader.exercises", "grader.reference", "grader.grading")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(module: str, path: Path, modules) -> set[tuple[str, bool]]:
    """(imported module of the package, inside a function?) for every import statement of `module`."""
    tree = ast.parse(path.read_text())
    inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add((name, id(node) in inside))
    return found


def _graph():
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def test_check_library_imports_nothing_above_it():
    upward = sorted((m, t, lazy) for m, imports in _graph().items() if m.startswith("grader.checks")
                    for t, lazy in imports if t.startswith(ABOVE_THE_LIBRARY))
    assert upward == [(*FACADE, True)]


def test_no_import_cycles():
    graph = {m: {t for t, _ in imports} for m, imports in _graph().items()}
    assert len(graph) > 50
    cycles = []
    for start in graph:                      # a path from a module's imports back to itself
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            if m == start:
                cycles.append(start)
                break
            if m not in seen:
                seen.add(m)
                todo.extend(graph[m])
    assert cycles == []
