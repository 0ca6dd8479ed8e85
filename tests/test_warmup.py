"""The JAX compilation cache is warmed by the source notebook before sandboxed kernels read it
(grader.autograde.warmup): once per cache, outside the sandbox, never by a submission."""
from __future__ import annotations

import shutil

import pytest

from grader.autograde import sandbox, warmup

ASSIGNMENT = "s1_jax_fundamentals"


def cache_files(cache) -> set[str]:
    """Names of the compiled programs in the cache folder (JAX names them *-cache)."""
    return {p.name for p in cache.glob("*-cache")}


def test_marker_names_the_source_and_changes_with_it(tmp_path, course_root):
    source = tmp_path / f"{ASSIGNMENT}.ipynb"
    shutil.copy(course_root / "source" / ASSIGNMENT / source.name, source)
    first = warmup.marker(str(tmp_path / "cache"), source)
    source.write_text(source.read_text() + " ")
    second = warmup.marker(str(tmp_path / "cache"), source)
    assert first.parent == second.parent == tmp_path / "cache" / warmup.MARKERS
    assert first.name.startswith(ASSIGNMENT) and first != second


def test_sandboxed_grading_warms_an_empty_cache_once(tmp_path, monkeypatch, course_root):
    reason = sandbox.unavailable_reason()
    if reason:
        pytest.skip(f"no sandbox here: {reason}")
    from grader import demo
    from grader.autograde import autograde
    from grader.course import Course

    cache = tmp_path / "jax-cache"
    cache.mkdir()
    monkeypatch.setenv("GRADER_JAX_CACHE", str(cache))      # the worker processes inherit it
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course_root / "nbgrader_config.py", root)
    shutil.copytree(course_root / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    course = Course(root)
    course.release(ASSIGNMENT)
    demo.build(course, [s for s in demo.cohort() if s.id == "blank"])
    course.add_students(["blank"])

    notes: list[str] = []
    after_warm_up: set[str] = set()

    def note(text: str) -> None:
        notes.append(text)
        if "warmed in" in text:
            after_warm_up.update(cache_files(cache))

    [graded] = autograde(course, ASSIGNMENT, ["blank"], workers=1, sandbox=True, force=True, note=note)
    assert graded.ok, graded.message
    assert any("warmed in" in n for n in notes), notes
    assert warmup.marker(str(cache), course.source_notebook(ASSIGNMENT)).is_file()
    assert after_warm_up, "the warm-up compiled nothing into the cache"
    assert cache_files(cache) == after_warm_up            # the sandboxed kernel never wrote to it
    assert [r["student"] for r in course.grades() if r["assignment"] == ASSIGNMENT] == ["blank"]

    class NoWorkers:
        def submit(self, *args):
            raise AssertionError("warmed a second time")
    again: list[str] = []
    warmup.warm(course, ASSIGNMENT, NoWorkers(), again.append)   # once per cache
    assert again == []
