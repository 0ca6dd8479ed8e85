"""Mutation testing of the reference solutions (`grader audit --mutants`) on two small exercises.

soft_threshold's mutants are all killed or equivalent with its real checks; with its gradient
checks taken away (a planted weakness) the mutant that stops the gradient of the returned value
survives, and the report shows it as a diff. The counts are those of
`grader audit --mutants s1_jax_fundamentals --exercise soft_threshold --exercise set_entry`.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from grader import cli, exercises
from grader.checks.types import Part
from grader.mutants import generate, report, run

ASSIGNMENT = "s1_jax_fundamentals"
EXERCISES = {"soft_threshold", "set_entry"}


@pytest.fixture(scope="module")
def graded():
    return run.run([ASSIGNMENT], EXERCISES, workers=0)


def _by_id(outcome) -> dict[str, run.Result]:
    return {r.mutant.id: r for r in outcome.results}


def test_every_mutant_of_the_real_checks_is_killed_or_equivalent(graded):
    counts = graded.counts()
    assert counts == {"generated": 16, "killed": 13, "survived": 0, "equivalent": 3, "invalid": 0, "timeout": 0}
    assert run.Run.score(counts) == 1.0
    at_add = [r for r in graded.results if r.mutant.operator == "at_set_add"]
    assert [r.state for r in at_add] == ["killed"] and "visible:values" in at_add[0].failed


def test_equivalents_carry_their_evidence(graded):
    for r in graded.results:
        if r.state == "equivalent":
            assert r.evidence.startswith("probably equivalent: output")
            assert "equal to the solution's on" in r.evidence and "hidden_cases drawn with" in r.evidence


@pytest.fixture
def without_gradient_checks(monkeypatch):
    """soft_threshold's description with every check named "gradient" removed from both cells."""
    real = exercises.load

    def load(name, instructor=False):
        spec = real(name, instructor)
        if name != ASSIGNMENT:
            return spec
        def weaken(e):
            if e.name != "soft_threshold":
                return e
            strip = lambda part: Part(part.points, tuple(c for c in part.checks if c.name != "gradient"))
            return dataclasses.replace(e, visible=strip(e.visible), hidden=strip(e.hidden))
        return dataclasses.replace(spec, exercises=[weaken(e) for e in spec.exercises])
    monkeypatch.setattr(exercises, "load", load)


def _stopped_return() -> generate.Mutant:
    cell = run.solution_cells(ASSIGNMENT)["soft_threshold"]
    [mutant] = [m for m in generate.mutants("soft_threshold", cell)
                if m.operator == "stop_gradient" and "return jax.lax.stop_gradient(" in m.code]
    return mutant


def test_a_weakened_check_lets_a_known_mutant_survive(graded, without_gradient_checks, tmp_path):
    mutant = _stopped_return()
    assert _by_id(graded)[mutant.id].state == "killed"
    assert set(_by_id(graded)[mutant.id].failed) == {"visible:gradient", "hidden:gradient"}
    weak = run.grade(ASSIGNMENT, mutant)
    assert weak.state == "survived" and weak.evidence.startswith("gradient differs on public")
    text = report.write(run.Run([weak], 1.0), tmp_path / "r.md").read_text()
    assert f"`{mutant.id}`" in text and "+    return jax.lax.stop_gradient(" in text


def test_an_instructor_mark_makes_a_survivor_equivalent(without_gradient_checks, monkeypatch):
    mutant = _stopped_return()
    instructor = exercises.load(ASSIGNMENT, instructor=True)["soft_threshold"].instructor
    monkeypatch.setitem(instructor.equivalent_mutants, mutant.id, "no gradient is asked for (planted)")
    marked = run.grade(ASSIGNMENT, mutant)
    assert (marked.state, marked.evidence) == ("equivalent", "instructor: no gradient is asked for (planted)")


def test_invalid_and_timed_out_mutants_are_counted_apart():
    broken = generate.Mutant("set_entry", "constant", "constant-x", "def set_entry(x, index, value:\n", "", 1)
    assert run.grade(ASSIGNMENT, broken).state == "invalid"
    raises = generate.Mutant("set_entry", "constant", "constant-y",
                             "def set_entry(x, index, value):\n    return x.at[index].set(value, 1, 2)\n", "", 2)
    result = run.grade(ASSIGNMENT, raises)
    assert result.state == "invalid" and "TypeError" in result.evidence
    slow = generate.Mutant("set_entry", "constant", "constant-z",
                           "def set_entry(x, index, value):\n    import time\n    time.sleep(60)\n", "", 2)
    assert run.grade(ASSIGNMENT, slow, timeout=1).state == "timeout"


def test_the_command_writes_the_report_and_fails_on_a_survivor(graded, without_gradient_checks, monkeypatch,
                                                               tmp_path):
    monkeypatch.setattr(run, "run", lambda *a, **k: run.Run([run.grade(ASSIGNMENT, _stopped_return())], 1.0))
    shutil.copy(Path(__file__).parents[1] / "nbgrader_config.py", tmp_path)
    code = cli.main(["--course", str(tmp_path), "audit", "--mutants", ASSIGNMENT, "--exercise", "soft_threshold"])
    assert code == cli.EXIT_FAILED
    written = (tmp_path / "reports" / "mutants" / f"{ASSIGNMENT}.soft_threshold.md").read_text()
    assert "## Survivors" in written
