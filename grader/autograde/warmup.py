"""The JAX compilation cache, filled by trusted code before sandboxed kernels read it.

Sandboxed kernels read the persistent compilation cache but never write to it: a
submission could otherwise plant a compiled program that another student's kernel
would load and run. With no writer, the cache stays as cold as it was, and every
sandboxed kernel compiles everything again (from an empty cache, 10 submissions
took twice as long sandboxed as without the sandbox:
`benchmarks/autograde.py --n 10 --skip-nbgrader --cold-cache`).

So before the first sandboxed kernel of an assignment, the instructor's source
notebook (trusted code: the solutions and every test) is executed once by the
worker's own step, outside the sandbox, with the cache writable. What it compiles
(the notebook's cells, the solutions under the checks' wrappers, on the visible and
hidden inputs) is what most submissions compile again. A marker in the cache folder
names the source notebook and JAX version warmed, so a cache is warmed once.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
from importlib.metadata import version
from pathlib import Path
from typing import Callable

from . import execute
from .kernels import kernel_process_env
from .steps import Job, Notebook, Submission, read_tree

STUDENT = "(compilation cache warm-up)"
MARKERS = "grader-warmed"    # folder of markers in the cache folder


def marker(cache: str, source: Path) -> Path:
    """The file that says `cache` was warmed with this `source` notebook and this JAX."""
    digest = hashlib.sha256(source.read_bytes())
    digest.update(f"jax {version('jax')} jaxlib {version('jaxlib')}".encode())
    return Path(cache) / MARKERS / f"{source.stem}-{digest.hexdigest()[:16]}"


def job(course, assignment: str) -> Job:
    """The source notebook of `assignment` as a job for `execute.run`, outside the sandbox."""
    source = course.source_notebook(assignment)
    name = source.stem
    resources = {"unique_key": name, "metadata": {"path": str(source.parent)},
                 "nbgrader": {"notebook": name, "assignment": assignment, "student": STUDENT}}
    files = {path: data for path, data in read_tree(str(source.parent)).items()
             if not path.endswith(".ipynb") and ".ipynb_checkpoints" not in path}
    steps = Submission(course, assignment, STUDENT).worker_steps
    return Job(STUDENT, assignment, [Notebook(name, source.read_text(encoding="utf-8"), resources)],
               files, course.config, steps, sandbox=None)


def warm(course, assignment: str, executor: cf.Executor, note: Callable[[str], None]) -> None:
    """Fill the compilation cache with `assignment`'s source notebook, unless done already.

    Runs on `executor` (its workers' kernels use the cache; a worker of a dask cluster warms
    its own machine's cache) and waits for it. `note` gets one line before and after; nothing
    when there is no cache or it was warmed already. A failure is noted and grading goes on.
    """
    cache = kernel_process_env().get("JAX_COMPILATION_CACHE_DIR", "")
    source = course.source_notebook(assignment)
    if not cache:
        return
    if not source.is_file():
        note(f"JAX compilation cache not warmed: {source} not found (sandboxed kernels compile everything)")
        return
    done = marker(cache, source)
    if done.exists():
        return
    note(f"warming the JAX compilation cache with {source.name}, outside the sandbox (once per cache) ...")
    try:
        executed = executor.submit(execute.run, job(course, assignment), 0).result()
    except Exception as exc:  # noqa: BLE001 (a worker that died: grading goes on, only slower)
        note(f"JAX compilation cache not warmed: {source}: {type(exc).__name__}: {exc}")
        return
    if executed.error:
        note(f"JAX compilation cache not warmed: {source}: {executed.error}")
        return
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(f"jax {version('jax')} jaxlib {version('jaxlib')}\n")
    note(f"JAX compilation cache warmed in {executed.seconds:.1f} s")
