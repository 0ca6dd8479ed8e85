"""Shared fixtures: the course root and the reference solutions of each assignment."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# As the grader's own processes: JAX's persistent compilation cache (the folder of the grader's processes,
# apart from the kernels'), so that what one test process compiled the next loads. It changes no result.
from grader.checks import compile_cache  # noqa: E402 (after JAX_PLATFORMS)

compile_cache.enable_in_this_process(compile_cache.grader_folder())

ROOT = Path(__file__).resolve().parent.parent

# The slowest test files first. `make test` hands whole files to two workers (--dist loadfile: a file's
# module fixtures, such as a whole grading run, are made once) in the order they are collected
# (--no-loadscope-reorder: else pytest-xdist reorders files by their number of tests), the next file to
# whichever worker is free: a long file collected last would run alone at the end while the other worker
# waits; longest first keeps the two busy to the end. Order from `make test`'s --durations (setup and
# calls per file) on the 2-core reference machine. (pytest-xdist's --dist loadgroup would let the
# independent tests of a file spread over both workers, but it marks groups by rewriting an attribute
# that pytest 9 no longer reads: every test went its own way and module fixtures were made twice.)
SLOWEST_FIRST = ("test_attacks.py", "test_same_verdict.py", "test_autograde_parallel.py",
                 "test_instructors_guide.py", "test_exercise_corpus.py", "test_changing_an_assignment.py",
                 "test_release.py", "test_report.py", "test_student_install.py", "test_audit.py",
                 "test_lab_in_browser.py", "test_grades_export.py", "test_stable_hidden_inputs.py",
                 "test_submission_files.py", "test_references.py", "test_sandbox.py")


def pytest_collection_modifyitems(session, config, items):
    """Files in SLOWEST_FIRST order, then the others as collected; tests in a file keep their order."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(autouse=True)
def no_grader_errors():
    """A fault of the grader's own code (a check that raised, a judge that failed) fails the test that
    met it, whatever the test asserts: it is never a student outcome (grader.checks.runner.GRADER_ERRORS).
    A test that provokes one on purpose takes it out of the list."""
    from grader.checks import runner
    before = len(runner.GRADER_ERRORS)
    yield
    new = runner.GRADER_ERRORS[before:]
    del runner.GRADER_ERRORS[before:]
    assert not new, "the grader's own code failed:\n" + "\n".join(new)


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


# Three students of the demo cohort of the first assignment (a blank one, a reused key, a sum instead
# of a mean whose hidden messages quote reference values) and one submission that is not a notebook:
# autograded once per session (about 20 s on 2 cores) for the feedback and class report tests.
GRADED_STUDENTS = ("blank", "reused_key", "sum_not_mean")
UNGRADABLE = "broken_json"


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory):
    """A scratch course: release, those submissions autograded in parallel, feedback pages and class report."""
    import shutil

    from grader import demo
    from grader.autograde import autograde
    from grader.course import Course
    from grader.report import classreport, feedback

    root = tmp_path_factory.mktemp("graded") / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source" / demo.ASSIGNMENT, root / "source" / demo.ASSIGNMENT)
    course = Course(root)
    course.release(demo.ASSIGNMENT)
    demo.build(course, [s for s in demo.cohort() if s.id in GRADED_STUDENTS])
    broken = course.submission(UNGRADABLE, demo.ASSIGNMENT)
    broken.parent.mkdir(parents=True)
    broken.write_text("{ this is not json")
    course.add_students([*GRADED_STUDENTS, UNGRADABLE])
    outcomes = autograde(course, demo.ASSIGNMENT, [*GRADED_STUDENTS, UNGRADABLE], workers=2)
    assert sorted(o.student for o in outcomes if o.ok) == sorted(GRADED_STUDENTS), outcomes
    feedback.write(course, demo.ASSIGNMENT)
    classreport.write(course, demo.ASSIGNMENT)
    return course
