"""JAX's persistent compilation cache: where it lives, and turning it on in a running process.

XLA compiles each operation the first time it meets its shapes; the checks call a student's
function on inputs the workbook did not, so most of a test cell's first run is compiling.
The persistent cache keeps compiled programs on disk (keyed by program, JAX version and
machine), so the next kernel that runs the same checks (after a restart, the next day,
`pytest workbook.ipynb`) loads them instead. It holds compiled programs only, never code or
answers. Its folder is $GRADER_JAX_CACHE (default ~/.cache/grader/jax); an empty
GRADER_JAX_CACHE turns it off, and the folder can be deleted at any time.

Kernels the grader starts get the cache through their environment (grader.kernel_env). A
student's JupyterLab kernel gets it from `enable_in_this_process`, which the first test cell
calls, unless the student chose a cache folder of their own.

The grader's own processes that run checks (grading workers on the judged path, `grader audit
--fast`, `grader refs build`, the test processes) use a folder of their own, `folder() +
"-grader"`: JAX writes a cache entry in place, and a kernel that read an entry while another
process was writing it would print a warning into the student's notebook. While kernels grade,
only the warm-up (grader.autograde.warmup, before any kernel starts) writes to their folder.
"""
from __future__ import annotations

import os
from pathlib import Path

GRADER_SUFFIX = "-grader"
# Besides the folder, JAX's settings that keep every program: the checks compile many small ones, each a
# few milliseconds. Each is an environment variable too, its name in capitals (JAX reads both).
KEEP_EVERY_PROGRAM = {"jax_persistent_cache_min_compile_time_secs": 0.0,
                      "jax_persistent_cache_min_entry_size_bytes": -1}


def folder() -> str:
    """The kernels' cache folder, or "" when the cache is turned off."""
    return os.environ.get("GRADER_JAX_CACHE", str(Path.home() / ".cache" / "grader" / "jax"))


def grader_folder() -> str:
    """The cache folder of the grader's own processes, or "" when the cache is turned off."""
    return folder() and folder() + GRADER_SUFFIX


def environment() -> dict[str, str]:
    """The environment variables that give a new kernel the cache ({} when it is off)."""
    cache = folder()
    if not cache:
        return {}
    return {name.upper(): str(value) for name, value in _settings(cache).items()}


def _settings(cache: str) -> dict:
    """JAX's configuration for a cache in `cache`."""
    return {"jax_compilation_cache_dir": cache, **KEEP_EVERY_PROGRAM}


def enable_in_this_process(cache: str | None = None) -> bool:
    """Turn the cache on in this process, in `cache` (default: `folder()`), unless a cache folder was
    chosen already (by the student, or by a kernel's environment); True if a cache is on now.

    JAX 0.4 decides whether to use the cache at its first compilation, once for good, and in
    a workbook that has happened before the first test cell (newer versions decide again while
    no folder is set); `reset_cache` (JAX's public way to get back to the uninitialised state)
    makes every version decide again at the next compilation (without it, tests/
    test_compile_cache.py's after_a_compilation cases fail under JAX 0.4.38). Programs compiled
    so far stay compiled in memory; only new ones go to, or come from, the folder.
    """
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    if jax.config.jax_compilation_cache_dir:
        return True
    cache = folder() if cache is None else cache
    if not cache:
        return False
    for name, value in _settings(cache).items():
        jax.config.update(name, value)
    compilation_cache.reset_cache()
    return True
