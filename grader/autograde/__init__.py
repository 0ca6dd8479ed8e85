"""`grader autograde`: nbgrader autograde for a whole cohort, in parallel, resumable.

Modules, one concept each:

- `steps`: nbgrader's Autograde converter cut around the execution (parent: init,
  sanitize, save grades, write autograded/; worker: execute);
- `execute`: the worker's step (runs anywhere, never opens the gradebook);
- `kernels`: fresh kernels started ahead of need, modules already imported;
- `runner`: the loop over an Executor with the parent as the single writer;
- `executors`: a local process pool or dask.distributed's executor;
- `manifest`: what was graded from which files, to resume;
- `display`: progress bar and final table.
"""
from __future__ import annotations

from .runner import grade

__all__ = ["grade", "autograde"]


def autograde(course, assignment: str, students: list[str] | None = None, *, workers: int | None = None,
              scheduler: str | None = None, force: bool = False, **callbacks):
    """Grade `students` (default: every submission) on a local pool of `workers` processes,
    or on the dask scheduler at `scheduler`; returns the runner's results (grader.course.Autograded)."""
    from . import executors
    students = course.submitted_students(assignment) if students is None else list(students)
    pool = executors.dask(scheduler) if scheduler else executors.local(workers)
    with pool as (executor, slots):
        return grade(course, assignment, students, executor, slots=slots, force=force, **callbacks)
