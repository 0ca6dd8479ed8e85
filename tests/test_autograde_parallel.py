"""grader autograde (grader/autograde/) against plain nbgrader autograde, on the demo cohort.

One temporary course is released and given the demo cohort (plus a submission
that is not a notebook); copies of it are graded by nbgrader (serially), by the
parallel runner on a local pool, on a dask LocalCluster (loopback only), and by a
`grader autograde` process killed midway and started again. Gradebooks and
autograded notebooks must agree.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial_baseline

from grader import demo, gradesheet
from grader.autograde import autograde, grade
from grader.autograde.manifest import Manifest
from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent
A = demo.ASSIGNMENT
BROKEN = "broken_json"
STUDENTS = [s.id for s in demo.cohort()]
FEW = ["correct", "blank", "crash_soft_threshold", "noisy_correct", "sum_not_mean"]
ON_DASK = ["correct", "crash_soft_threshold", "noisy_correct"]


# --- fixtures ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """A course with the release done and the demo cohort (and BROKEN) submitted, nothing graded."""
    root = tmp_path_factory.mktemp("cohort")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "source", root / "source")
    course = Course(root)
    course.release(A)
    demo.build(course)
    broken = course.submission(BROKEN, A)
    broken.parent.mkdir(parents=True)
    broken.write_text("{ this is not json")
    course.add_students(STUDENTS + [BROKEN])
    return root


def _copy(cohort: Path, tmp_path_factory, name: str) -> Course:
    root = tmp_path_factory.mktemp(name) / "course"
    shutil.copytree(cohort, root)
    return Course(root)


@pytest.fixture(scope="module")
def serial(cohort, tmp_path_factory) -> Course:
    """The cohort graded by plain nbgrader autograde, one submission after another."""
    course = _copy(cohort, tmp_path_factory, "serial")
    outcomes = serial_baseline.autograde(course, A, STUDENTS + [BROKEN])
    assert [o.student for o in outcomes if not o.ok] == [BROKEN]
    return course


@pytest.fixture(scope="module")
def parallel(cohort, tmp_path_factory):
    """(course, results) of the cohort graded by the runner on a local pool of 2 processes."""
    course = _copy(cohort, tmp_path_factory, "parallel")
    results = autograde(course, A, [BROKEN] + STUDENTS, workers=2)
    return course, results


# --- comparing ----------------------------------------------------------------------

def snapshot(course: Course) -> dict:
    """Everything autograde puts in the gradebook for A: per student, per cell, scores and comments."""
    out = {}
    with course.gradebook() as gb:
        for submission in gb.assignment_submissions(A):
            cells = {}
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    cells[g.name] = (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                for c in notebook.comments:
                    cells[c.name + ":comment"] = (c.auto_comment, c.manual_comment)
            out[submission.student.id] = {"timestamp": str(submission.timestamp), "late": submission.late_submission_penalty,
                                          "score": submission.score, "cells": cells}
    return out


def normalised(path: Path) -> dict:
    """An autograded notebook without what differs between two executions of the same notebook:
    timings, cell ids (random for re-added cells), the kernel's pid in warning paths, how the
    kernel happened to chunk consecutive stream outputs; and execution counts (the parallel
    runner judges test cells outside the kernel, which does not count them)."""
    text = re.sub(r"ipykernel_\d+", "ipykernel_PID", path.read_text())
    nb = json.loads(re.sub(r"In\[\d+\]", "In[N]", text))      # execution counts in tracebacks
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell.pop("execution_count", None)
        cell.get("metadata", {}).pop("execution", None)
        merged = []
        for output in cell.get("outputs", []):
            output.pop("execution_count", None)
            if merged and output.get("output_type") == "stream" == merged[-1].get("output_type") \
                    and output["name"] == merged[-1]["name"]:
                merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(output["text"])
            else:
                if output.get("output_type") == "stream":
                    output["text"] = "".join(output["text"])
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def autograded_files(course: Course) -> dict[str, int]:
    """relative path -> permission bits of every file under autograded/ (not the manifest)."""
    base = course.root / "autograded"
    return {str(p.relative_to(base)): p.stat().st_mode & 0o777
            for p in base.rglob("*") if p.is_file() and ".grader" not in p.parts}


# --- tests ----------------------------------------------------------------------------

def test_parallel_gradebook_equals_nbgrader(serial, parallel):
    course, results = parallel
    assert {r.student for r in results} == set(STUDENTS) | {BROKEN}
    assert [r.student for r in results if not r.ok] == [BROKEN]
    expected = snapshot(serial)
    # nbgrader records a submission of zeros for the notebook it cannot read; the grader refuses it before
    # nbgrader runs (grader.autograde.intake), so the gradebook has no grades for it, and grades.csv says why
    assert all(score is None or score == 0 for score, *_ in expected.pop(BROKEN)["cells"].values())
    assert snapshot(course) == expected
    assert expected["correct"]["score"] == 25 and expected["blank"]["score"] == 0


def test_parallel_autograded_files_equal_nbgrader(serial, parallel):
    course, _ = parallel
    assert autograded_files(course) == autograded_files(serial)
    for relative in autograded_files(serial):
        if relative.endswith(".ipynb"):
            assert normalised(course.root / "autograded" / relative) == \
                normalised(serial.root / "autograded" / relative), relative


def test_demo_expectations_hold(parallel):
    course, results = parallel
    for row in demo.results(course, demo.cohort(), results):
        assert row.ok, row


def test_broken_submission_reason_names_the_file(parallel):
    course, results = parallel
    [broken] = [r for r in results if r.student == BROKEN]
    assert broken.message.startswith(f"submitted/{BROKEN}/{A}/{A}.ipynb: not JSON (")
    assert not (course.root / "autograded" / BROKEN / A).exists()     # nothing written for it


def test_second_run_grades_nothing_unless_changed_or_forced(parallel):
    course, _ = parallel
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as never:
        assert [r.student for r in grade(course, A, STUDENTS, never)] == []
    manifest = Manifest(course, A)
    assert not manifest.needs_grading("correct")
    submission = course.submission("correct", A)
    submission.write_text(submission.read_text().replace("every exercise", "every  exercise") + " ")
    assert manifest.needs_grading("correct") and not manifest.needs_grading("blank")


def test_a_failed_submission_is_graded_again(parallel):
    manifest = Manifest(parallel[0], A)
    assert manifest.entries[BROKEN]["ok"] is False and f"submitted/{BROKEN}/{A}/{A}.ipynb: not JSON" in manifest.entries[BROKEN]["reason"]
    assert manifest.needs_grading(BROKEN)


def test_dask_local_cluster_gives_the_same_grades(cohort, serial, tmp_path_factory):
    distributed = pytest.importorskip("distributed")
    course = _copy(cohort, tmp_path_factory, "dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster:
        results = autograde(course, A, ON_DASK, scheduler=cluster.scheduler_address)
    assert all(r.ok for r in results) and {r.student for r in results} == set(ON_DASK)
    expected = snapshot(serial)
    got = snapshot(course)
    assert {s: got[s] for s in ON_DASK} == {s: expected[s] for s in ON_DASK}


def test_killed_run_resumes_and_grades_each_submission_once(cohort, serial, tmp_path_factory):
    course = _copy(cohort, tmp_path_factory, "killed")
    for student in set(STUDENTS + [BROKEN]) - set(FEW):
        shutil.rmtree(course.root / "submitted" / student)
    command = [sys.executable, "-m", "grader.cli", "--course", str(course.root), "autograde", A, "--workers", "2"]
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    manifest = course.root / "autograded" / ".grader" / f"{A}.json"
    first = subprocess.Popen(command, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and first.poll() is None:
            if manifest.is_file() and len(json.loads(manifest.read_text())["students"]) >= 2:
                break
            time.sleep(0.2)
        assert first.poll() is None, "the run finished before it could be killed"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    graded_before = set(json.loads(manifest.read_text())["students"])
    assert 2 <= len(graded_before) < len(FEW)

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(graded_before)} already graded" in second.stdout
    expected = snapshot(serial)
    got = snapshot(course)
    assert {s: got[s] for s in FEW} == {s: expected[s] for s in FEW}
    with course.gradebook() as gb:                               # every grade exactly once
        for student in FEW:
            [submission] = [s for s in gb.assignment_submissions(A) if s.student.id == student]
            names = [g.name for nb in submission.notebooks for g in nb.grades]
            assert len(names) == len(set(names)) and all(
                g.auto_score is not None for nb in submission.notebooks for g in nb.grades)
    assert sorted(json.loads(manifest.read_text())["students"]) == sorted(FEW)


# --- the demo cohort's declared scores (graded once, by the parallel runner) ----------

def test_a_dead_worker_is_replaced_and_only_its_submission_fails(cohort, serial, tmp_path_factory, monkeypatch):
    """A worker killed while grading one submission (as for memory) breaks a ProcessPoolExecutor and
    every job it held (before: 'BrokenProcessPool' for all of them, and 'not submitted to the executor'
    for the rest). The pool is replaced, the jobs it held run again alone, and only the one that kills
    its worker again is recorded as failed, with the reason. The kernels' directories of the run are
    gone afterwards, the dead workers' included."""
    import functools

    from dying_worker import DyingPool
    from grader.autograde import executors
    course = _copy(cohort, tmp_path_factory, "dying")
    doomed = FEW[1]
    monkeypatch.setattr(executors, "RestartingPool", functools.partial(DyingPool, doomed))
    notes = []
    with executors.local(workers=2) as (pool, slots):
        scratch = pool._options["initargs"][-1]
        results = grade(course, A, FEW, pool, slots=slots, note=notes.append)
        assert os.path.isdir(scratch)
    assert not os.path.exists(scratch)
    failed = {r.student: r.message for r in results if not r.ok}
    assert list(failed) == [doomed], failed
    assert "worker died" in failed[doomed] and doomed in failed[doomed]
    assert pool.restarts >= 2 and any("worker died" in n for n in notes), notes
    assert sorted(r.student for r in results) == sorted(FEW)
    expected = snapshot(serial)
    assert {s: v for s, v in snapshot(course).items() if s != doomed} == \
        {s: v for s, v in expected.items() if s in FEW and s != doomed}


def test_cohort_is_large_and_distinct():
    assert len(STUDENTS) >= 9 and len(set(STUDENTS)) == len(STUDENTS)


def test_total_points():
    # 11 visible + 14 hidden points, from the test cells' points in the source notebook and the spec
    from grader import exercises
    assert exercises.load(A).points == 25


def test_blank_and_correct(parallel):
    course, results = parallel
    scores = {r.student: r.score for r in demo.results(course, demo.cohort(), results)}
    assert scores["blank"] == 0 and scores["correct"] == 25 and scores["noisy_correct"] == 25


def test_grades_csv_has_a_row_per_student(parallel):
    import csv
    from grader import exercises
    course, _ = parallel
    with open(gradesheet.write_csv(course, course.root / "grades.csv"), newline="") as f:
        mine = [r for r in csv.DictReader(f) if r["assignment"] == A]
    assert sorted(r["student"] for r in mine) == sorted(STUDENTS + [BROKEN])
    spec = exercises.load(A)
    for exercise in spec.exercises:
        assert f"test_{exercise.name}" in mine[0] and f"test_{exercise.name}_hidden" in mine[0]
    correct = next(r for r in mine if r["student"] == "correct")
    assert float(correct["score"]) == float(correct["max_score"]) == spec.points
    assert float(correct["test_noisy_line"]) == spec["noisy_line"].visible.points
