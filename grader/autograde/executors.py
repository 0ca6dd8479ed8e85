"""Where jobs run: a local process pool, or the workers of a dask.distributed scheduler.

Both are `concurrent.futures.Executor`s used as context managers that yield
(executor, slots): slots is how many jobs run at once.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from . import execute


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextlib.contextmanager
def local(workers: int | None = None, ahead: int = 1, warm_modules=execute.WARM_MODULES):
    """A pool of `workers` processes (default: one per core), started fresh ("spawn")."""
    workers = workers or default_workers()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=execute.configure, initargs=(ahead, tuple(warm_modules)))
    try:
        yield pool, workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
