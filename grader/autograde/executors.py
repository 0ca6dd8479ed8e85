"""Where jobs run: a local process pool, or the workers of a dask.distributed scheduler.

Both are `concurrent.futures.Executor`s used as context managers that yield
(executor, slots): slots is how many jobs run at once. The local pool can be
restarted after one of its workers died (`RestartingPool.restart`), which breaks
a `ProcessPoolExecutor` for good; each worker runs under a memory bound.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import tempfile
from concurrent.futures import Executor, ProcessPoolExecutor

from . import execute, kernels

MiB = 1024 * 1024

# Address space of a grading worker, MiB: it imports JAX (about 1.5 GB mapped at import), runs the checks on
# what a kernel sends back (bounded in size: grader.judge.wire.MAX_REPLY_BYTES), and keeps one notebook's
# outputs (bounded by JudgedExecute's output limits). Beyond it an allocation raises MemoryError.
WORKER_MEMORY_MB = 8192


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def start_worker(ahead: int, warm_modules: tuple[str, ...], memory_mb: int | None, scratch: str | None) -> None:
    """A worker's initializer: bound its address space (soft limit only, so the kernels it starts can be
    given their own), put its kernels' directories in the run's `scratch` directory, then execute.configure."""
    if scratch:
        kernels.use_scratch(scratch)
    if memory_mb:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_mb * MiB if hard == resource.RLIM_INFINITY else min(memory_mb * MiB, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    execute.configure(ahead, warm_modules)


class RestartingPool(Executor):
    """A local ProcessPoolExecutor that `restart()` replaces once a worker died (the old one is broken).

    Keyword arguments are ProcessPoolExecutor's."""

    def __init__(self, **options):
        self._options = options
        self._pool = ProcessPoolExecutor(**options)

    def submit(self, fn, /, *args, **kwargs):
        return self._pool.submit(fn, *args, **kwargs)

    def restart(self) -> str:
        """Replace the pool with a fresh one; returns how its dead workers ended (e.g. "killed by SIGKILL")."""
        processes = dict(getattr(self._pool, "_processes", None) or {})
        self._pool.shutdown(wait=True, cancel_futures=True)
        ends = sorted({_how_it_ended(p.exitcode) for p in processes.values() if p.exitcode not in (None, 0)})
        self._pool = ProcessPoolExecutor(**self._options)
        return ", ".join(ends) or "it ended abruptly"

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _how_it_ended(exitcode: int) -> str:
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    return f"exit status {exitcode}"


@contextlib.contextmanager
def local(workers: int | None = None, ahead: int = 1, warm_modules=execute.WARM_MODULES,
          memory_mb: int | None = WORKER_MEMORY_MB):
    """A pool of `workers` processes (default: one per core), started fresh ("spawn"), each with at most
    `memory_mb` MiB of address space (None: unbounded); restartable (RestartingPool). The kernels' working
    directories (and their sandboxes' tmpfs and cgroups) are removed at the end, whatever ended the workers."""
    workers = workers or default_workers()
    scratch = tempfile.mkdtemp(prefix="grader-run-")
    try:
        pool = RestartingPool(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                              initializer=start_worker, initargs=(ahead, tuple(warm_modules), memory_mb, scratch))
        try:
            yield pool, workers
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        kernels.remove_scratch(scratch)


@contextlib.contextmanager
def dask(address: str):
    """The executor of the dask.distributed scheduler at `address` (e.g. tcp://127.0.0.1:8786)."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs dask.distributed: pip install distributed") from None
    try:
        client = Client(address, timeout="20s")
    except OSError as exc:
        raise ValueError(f"{address}: no dask scheduler answers there ({exc})") from None
    try:
        slots = sum(client.nthreads().values())
        if slots == 0:
            raise ValueError(f"{address}: the dask scheduler has no workers")
        yield client.get_executor(pure=False), slots
    finally:
        client.close()
