"""Mutants of a reference solution: every operator applied at every node of the solution's body.

A solution cell defines the graded function; only its body is mutated (not its signature, its
defaults or its docstring). Each mutant is the whole function rewritten by libcst with one change,
named by a stable id (operator and a hash of the mutated code) that the instructor half's
`equivalent_mutants` refers to, and shown as a unified diff against the solution.
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

import libcst as cst

from .operators import OPERATORS, context_of


@dataclass(frozen=True)
class Mutant:
    """One mutant of one exercise's solution."""
    exercise: str
    operator: str
    id: str              # "<operator>-<10 hex digits of the mutated code's sha256>"
    code: str            # the whole mutated function
    diff: str            # unified diff against the solution
    line: int            # line of the change in the solution cell (1-based)


def function_def(module: cst.Module, name: str) -> cst.FunctionDef:
    """The top-level `def name(...)` of a module."""
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    raise ValueError(f"no function {name}() in the solution cell")


def _mutable_body(function: cst.FunctionDef) -> list[cst.CSTNode]:
    """The statements of the function's body, the docstring left out."""
    body = list(function.body.body)
    if body and function.get_docstring() is not None:
        body = body[1:]
    return body


def mutant_id(operator: str, code: str) -> str:
    return f"{operator}-{hashlib.sha256(code.encode()).hexdigest()[:10]}"


def mutants(exercise: str, solution: str, operators: dict | None = None) -> list[Mutant]:
    """Every mutant of `solution` (the source of the cell defining `exercise`), in source order,
    operator by operator at each node; a mutant whose code another one already has is left out."""
    operators = OPERATORS if operators is None else operators
    module = cst.parse_module(solution)
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    function = function_def(module, exercise)
    context = context_of(function)
    nodes: list[cst.CSTNode] = []

    class Walk(cst.CSTVisitor):
        def on_visit(self, node):
            nodes.append(node)
            return True

    for statement in _mutable_body(function):
        statement.visit(Walk())
    found, seen = [], {solution}
    for node in nodes:
        for name, operator in operators.items():
            for replacement in operator(node, context):
                code = module.deep_replace(node, replacement).code
                if code in seen:
                    continue
                seen.add(code)
                diff = "".join(difflib.unified_diff(solution.splitlines(True), code.splitlines(True),
                                                    "solution", "mutant", n=1))
                found.append(Mutant(exercise, name, mutant_id(name, code), code, diff,
                                    positions[node].start.line))
    return found
