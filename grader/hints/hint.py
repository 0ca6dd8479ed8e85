"""One recognised mistake: what goes wrong and the idiomatic fix."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    explanation: str
    fix: str
