"""The cohort runner: prepare in the parent, execute on an Executor, finish in the parent.

The parent process is the only writer of the gradebook and of autograded/: it
prepares a submission (nbgrader's init and sanitize steps), submits the job to
the `concurrent.futures.Executor` (a local process pool, or dask's executor), and
finishes each job as it comes back (SaveAutoGrades and the rest, files written).
A few jobs are prepared ahead so the workers never wait. A submission that
cannot be prepared, executed or finished is recorded with its reason (ok=False)
and the run goes on.

A local pool breaks for good when one of its workers dies (killed for memory,
say), failing every job it held. An executor with `restart()` (executors.
RestartingPool) is then replaced, and the jobs it held are run again one at a
time: only the one that kills a worker on its own is recorded as failed.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..checks.runner import GRADER_ERRORS
from .outcome import Autograded
from . import execute, intake, warmup
from .manifest import Manifest
from .steps import Executed, Submission, SubmissionRefused, check_regular_files


@dataclass
class _InFlight:
    submission: Submission
    checksum: str
    notebooks: list[str]
    job: object = None
    alone: bool = False         # run again alone after a worker died while it was in flight


def grade(course, assignment: str, students: list[str], executor: cf.Executor, slots: int = 1,
          force: bool = False, done: Callable[[Autograded], None] = lambda graded: None,
          todo: Callable[[list[str]], None] = lambda students: None, sandbox=None,
          note: Callable[[str], None] = lambda text: None) -> list[Autograded]:
    """Autograde `students`' submissions of `assignment` (skipping those already graded unless `force`).

    slots: how many jobs the executor runs at once (twice as many are kept prepared).
    sandbox: the grader.autograde.sandbox.Limits each kernel runs under (None: no sandbox).
    todo is called once with the students that will be graded; done with each result; note with
    a line to show (the compilation cache warmed for sandboxed kernels, see grader.autograde.warmup).
    Returns the results of the students graded in this run, in the order they finished.
    """
    manifest = Manifest(course, assignment)
    queue = [s for s in students if force or manifest.needs_grading(s)]
    if sandbox is not None and queue:
        warmup.warm(course, assignment, executor, note)
    todo(list(queue))
    results: list[Autograded] = []
    flying: dict[cf.Future, _InFlight] = {}

    def settle(graded: Autograded, flight: _InFlight | None) -> None:
        if flight is not None:
            manifest.record(graded.student, graded.ok, graded.message, flight.checksum, flight.notebooks)
        results.append(graded)
        done(graded)

    suspects: list[_InFlight] = []      # held by a worker pool that broke: each runs again, alone
    broken = False
    restartable = callable(getattr(executor, "restart", None))

    def submit(flight: _InFlight) -> None:
        nonlocal broken
        try:
            flying[executor.submit(execute.run, flight.job)] = flight
        except BrokenProcessPool:
            if not restartable:
                raise
            broken = True
            suspects.append(flight)

    try:
        while queue or flying or suspects:
            if broken and not flying:
                how = executor.restart()
                note(f"a grading worker died ({how}); a new one grades the {len(suspects)} submission(s) "
                     f"it held, one at a time")
                broken = False
            if suspects and not flying:
                flight = suspects.pop(0)
                flight.alone = True
                submit(flight)
            alone = any(f.alone for f in flying.values())
            while not (suspects or broken or alone) and queue and len(flying) < 2 * max(slots, 1):
                student = queue.pop(0)
                flight, job, failure = _prepare(course, assignment, student, manifest)
                if failure is not None:
                    settle(failure, flight)
                    continue
                job.sandbox = sandbox
                flight.job = job
                try:
                    submit(flight)
                except Exception as exc:  # noqa: BLE001 (a closed client, a broken pool of dask: each one recorded)
                    flight.submission.discard()
                    settle(Autograded(student, False, f"{flight.submission.destination}: not submitted to the "
                                                      f"executor: {type(exc).__name__}: {exc}"), flight)
            if not flying:
                continue
            finished, _ = cf.wait(list(flying), return_when=cf.FIRST_COMPLETED)
            for future in finished:
                flight = flying.pop(future)
                if restartable and isinstance(future.exception(), BrokenProcessPool):
                    broken = True
                    if not flight.alone:
                        suspects.append(flight)
                        continue
                    settle(_worker_died(flight.submission), flight)
                    continue
                settle(_finish(flight.submission, future), flight)
    except BaseException:
        for future, flight in flying.items():                   # as nbgrader does on an interruption
            future.cancel()
            flight.submission.discard()
        for flight in suspects:
            flight.submission.discard()
        raise
    return results


def _worker_died(submission: Submission) -> Autograded:
    """The record of a submission whose worker died while grading it alone (the pool is restarted)."""
    submission.discard()
    return Autograded(submission.student, False, f"{submission.destination}: the grading worker died while "
                                                 f"grading this submission alone (killed for memory?); the "
                                                 f"other submissions were graded by a new worker",
                      submission.log_text())


def _prepare(course, assignment: str, student: str, manifest: Manifest):
    """(in-flight record, Job, None), or (record or None, None, a failed Autograded) for one student."""
    try:
        checksum = manifest.submission_checksum(student)
    except OSError as exc:
        return None, None, Autograded(student, False, f"{exc.filename}: cannot be read ({exc.strerror})")
    submission = Submission(course, assignment, student)
    flight = _InFlight(submission, checksum, [])
    expected = sorted(p.name for p in course.layout.source(assignment).glob("*.ipynb"))
    try:
        if os.path.lexists(submission.source):
            check_regular_files(submission.source)   # before reading anything: links and FIFOs are refused
        intake.check_notebooks(Path(submission.source), expected, _relative(submission.source, course.root))
    except (SubmissionRefused, intake.SubmissionUnreadable) as exc:
        submission.log.error("%s", exc)
        return flight, None, Autograded(student, False, str(exc), submission.log_text())
    try:
        job = submission.prepare()
        flight.notebooks = [n.name + ".ipynb" for n in job.notebooks]
        return flight, job, None
    except Exception as exc:  # noqa: BLE001 (one submission must not stop the run)
        submission.log.error("%s", _traceback(exc))
        submission.discard()
        return flight, None, Autograded(student, False, f"{submission.destination}: could not be prepared: "
                                                  f"{_reason(exc, submission.log_text())}", submission.log_text())


def _finish(submission: Submission, future: cf.Future) -> Autograded:
    """Write the grades and autograded/ for a job that came back (or record why it did not)."""
    student = submission.student
    try:
        executed: Executed = future.result()
    except Exception as exc:  # noqa: BLE001 (a worker that died, a lost dask task ...)
        submission.discard()
        return Autograded(student, False, f"{submission.destination}: the worker failed: "
                                          f"{type(exc).__name__}: {exc}", submission.log_text())
    log = submission.log_text() + executed.log
    if executed.error:
        submission.discard()
        return Autograded(student, False, f"{submission.destination}: {executed.error}", log)
    try:
        submission.finish(executed)
    except Exception as exc:  # noqa: BLE001
        submission.log.error("%s", _traceback(exc))
        submission.discard()
        return Autograded(student, False, f"{submission.destination}: could not be saved: "
                                          f"{_reason(exc, submission.log_text())}",
                          submission.log_text() + executed.log)
    problems = "; ".join(n.problem for n in executed.notebooks if n.problem)
    errors = tuple(e for n in executed.notebooks for e in n.grader_errors)
    GRADER_ERRORS.extend(f"{student}: {e}" for e in errors)
    return Autograded(student, True, problems, submission.log_text() + executed.log, errors)


def _relative(path: str, root) -> str:
    """`path` relative to the course root when it is under it (as students and TAs name their files)."""
    relative = os.path.relpath(path, root)
    return path if relative.startswith("..") else relative


def _reason(exc: Exception, log: str) -> str:
    """One line: the exception, or for nbgrader's generic exception the last error it logged."""
    from nbgrader.converters.base import NbGraderException
    if isinstance(exc, NbGraderException):
        errors = [line.removeprefix("[ERROR]").strip() for line in log.splitlines() if line.startswith("[ERROR]")]
        if errors:
            return errors[0]
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}".rstrip(": ")


def _traceback(exc: Exception) -> str:
    import traceback
    return "".join(traceback.format_exception(exc))
