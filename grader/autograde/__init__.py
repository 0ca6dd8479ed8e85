"""`grader autograde`: nbgrader autograde for a whole cohort, in parallel, resumable.

Modules, one concept each:

- `steps`: nbgrader's Autograde converter cut around the execution (parent: init,
  sanitize, save grades, write autograded/; worker: execute);
- `execute`: the worker's step (runs anywhere, never opens the gradebook);
- `kernels`: fresh kernels started ahead of need, modules already imported;
- `sandbox`: the bubblewrap sandbox and resource limits each grading kernel runs in;
- `cgroups`: a cgroup per sandbox (its total memory and processes);
- `judged`: nbgrader's Execute with test cells judged outside the kernel (grader.judge);
- `runner`: the loop over an Executor with the parent as the single writer;
- `executors`: a local process pool or dask.distributed's executor;
- `manifest`: what was graded from which files and tests, to resume (and which grades are stale);
- `outcome`: what grading did for one submission;
- `display`: progress bar and final table.
"""
from __future__ import annotations

__all__ = ["grade", "autograde", "sandbox_limits", "SandboxUnavailable"]


class SandboxUnavailable(RuntimeError):
    """Sandboxed grading was asked for and cannot run here (the message says why)."""


def sandbox_limits(sandbox: bool | None):
    """The sandbox.Limits to grade with: True requires the sandbox (SandboxUnavailable when it cannot
    run here), None uses it when it can run, False grades without it (trusted submissions only)."""
    from . import sandbox as sandboxing
    if sandbox is False:
        return None
    reason = sandboxing.unavailable_reason()
    if reason is None:
        return sandboxing.Limits()
    if sandbox is True:
        raise SandboxUnavailable(reason)
    return None


def autograde(course, assignment: str, students: list[str] | None = None, *, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, sandbox: bool | None = None, **callbacks):
    """Grade `students` (default: every submission) on a local pool of `workers` processes,
    or on the dask scheduler at `scheduler`; returns the runner's results (grader.autograde.outcome.Autograded).

    sandbox: see `sandbox_limits` (default: sandboxed when the sandbox can run here).
    """
    from . import executors
    from .runner import grade
    limits = sandbox_limits(sandbox)
    students = course.submitted_students(assignment) if students is None else list(students)
    pool = executors.dask(scheduler) if scheduler else executors.local(workers)
    with pool as (executor, slots):
        return grade(course, assignment, students, executor, slots=slots, force=force, sandbox=limits,
                     **callbacks)


def __getattr__(name: str):
    """`grade` on first use: the runner needs nbgrader (the instructor's tools), which a student's
    install has not, and `kernels` (the self-check's kernels) lives in this package too."""
    if name == "grade":
        from .runner import grade
        return grade
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
