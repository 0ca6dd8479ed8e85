"""Results of checks, and the verdict a test cell prints.

A `CheckResult` is one graded property (name, passed, points, message, hint id);
a `Verdict` is all results of one test cell, with the score nbgrader records.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .. import hints
from ..protocol import format_points


@dataclass(frozen=True)
class CheckResult:
    name: str
    describe: str
    passed: bool
    points: float
    max_points: float
    message: str = ""
    hint: str | None = None
    assessed: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verdict:
    """All check results of one test cell (`part` is "visible" or "hidden")."""
    assignment: str
    exercise: str
    part: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    grader_errors: list[str] = field(default_factory=list)   # failures of the grader's own code, with context

    @property
    def max_points(self) -> float:
        return round(sum(r.max_points for r in self.results), 6)

    @property
    def score(self) -> float:
        """Points earned, rounded to 1e-3 and never above the cell's points (nbgrader rejects that)."""
        earned = round(sum(r.points for r in self.results if r.passed), 3)
        return min(max(earned, 0.0), self.max_points)

    @property
    def hint_ids(self) -> list[str]:
        """Hint ids of the failed checks, first occurrence order, no repeats."""
        seen: list[str] = []
        for r in self.results:
            if not r.passed and r.hint and r.hint not in seen:
                seen.append(r.hint)
        return seen

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "exercise": self.exercise, "part": self.part,
                "score": self.score, "max_points": self.max_points, "hints": self.hint_ids,
                "notes": list(self.notes), "results": [r.to_dict() for r in self.results],
                "grader_errors": list(self.grader_errors)}

    def render(self) -> str:
        """Plain text for a notebook or a terminal: one line per check, hints once each."""
        title = f"{self.exercise} ({self.part} tests): {format_points(self.score)} / {format_points(self.max_points)} points"
        lines = [title]
        shown_hints: set[str] = set()
        shown_messages: set[str] = set()
        for r in self.results:
            mark = "PASS" if r.passed else ("SKIP" if not r.assessed else "FAIL")
            lines.append(f"  [{mark}] {r.describe}  ({format_points(r.points if r.passed else 0)}/{format_points(r.max_points)})")
            if r.passed:
                continue
            if r.message in shown_messages:
                lines.append("         (the same error as above)")
            elif r.message:
                shown_messages.add(r.message)
                lines.extend("         " + m for m in r.message.splitlines())
            if r.hint and r.hint not in shown_hints and r.assessed:
                shown_hints.add(r.hint)
                h = hints.get(r.hint)
                lines.append(f"         Hint ({h.id}): {h.title}. {h.explanation}")
                lines.append(f"         Fix: {h.fix}")
        lines.extend(f"  Note: {n}" for n in self.notes)
        return "\n".join(lines)
