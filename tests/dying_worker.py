"""A pool whose worker dies (SIGKILL, as the kernel's OOM killer does) while executing one student's job.

Used by tests/test_autograde_parallel.py; a module of its own so that the pool's spawned workers can
import the function they run."""
from __future__ import annotations

import os
import signal

from grader.autograde import execute
from grader.autograde.executors import RestartingPool


def run_or_die(job, doomed: str):
    """execute.run(job), except that the worker is killed when `job` is `doomed`'s."""
    if job.student == doomed:
        os.kill(os.getpid(), signal.SIGKILL)
    return execute.run(job)


class DyingPool(RestartingPool):
    """A RestartingPool whose worker dies on `doomed`'s submission, whenever it is run."""

    def __init__(self, doomed: str, **options):
        super().__init__(**options)
        self.doomed = doomed
        self.restarts = 0

    def submit(self, fn, /, *args, **kwargs):
        assert fn is execute.run
        return super().submit(run_or_die, *args, self.doomed, **kwargs)

    def restart(self) -> str:
        self.restarts += 1
        return super().restart()
