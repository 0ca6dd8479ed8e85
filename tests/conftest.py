"""Shared fixtures: the course root and the reference solutions of each assignment."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def solution_namespace():
    """assignment name -> namespace of its source solutions (cached per session)."""
    from grader.reference import solutions

    cache: dict[str, dict] = {}

    def get(assignment: str) -> dict:
        if assignment not in cache:
            cache[assignment] = solutions.load(ROOT / "source" / assignment / f"{assignment}.ipynb")
        return cache[assignment]
    return get
