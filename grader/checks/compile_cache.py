"""JAX's persistent compilation cache: where it lives, and turning it on in the running kernel.

XLA compiles each operation the first time it meets its shapes; the checks call a student's
function on inputs the workbook did not, so most of a test cell's first run is compiling.
The persistent cache keeps compiled programs on disk (keyed by program, JAX version and
machine), so the next kernel that runs the same checks (after a restart, the next day,
`pytest workbook.ipynb`) loads them instead. It holds compiled programs only, never code or
answers. Its folder is $GRADER_JAX_CACHE (default ~/.cache/grader/jax); an empty
GRADER_JAX_CACHE turns it off, and the folder can be deleted at any time.

Kernels the grader starts get the cache through their environment (grader.kernel_env); a
student's JupyterLab kernel gets it from `enable_in_this_process`, which the first test cell
calls, unless the student chose a cache folder of their own; so do the `grader` command and
its grading workers, which run the checks of the judged path.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path



def folder() -> str:
    """The cache folder, or "" when the cache is turned off."""
    return os.environ.get("GRADER_JAX_CACHE", str(Path.home() / ".cache" / "grader" / "jax"))


def environment() -> dict[str, str]:
    """The environment variables that give a new process the cache ({} when it is off)."""
    cache = folder()
    if not cache:
        return {}
    # A minimum compile time of 0 s and entry size of -1 bytes keep every program: the checks
    # compile many small ones, each a few milliseconds (the same values as in enable_in_this_process).
    return {"JAX_COMPILATION_CACHE_DIR": cache,
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1"}


def enable_in_this_process() -> bool:
    """Turn the cache on in this process if nobody chose a cache folder; True if it is on now.

    Before JAX is imported, that is setting `environment()` where unset (processes started from
    here inherit it); after, JAX's configuration.

    JAX 0.4 decides whether to use the cache at its first compilation, once for good, and in
    a workbook that has happened before the first test cell (newer versions decide again while
    no folder is set); `reset_cache` (JAX's public way to get back to the uninitialised state)
    makes every version decide again at the next compilation (without it, tests/
    test_compile_cache.py's after_a_compilation cases fail under JAX 0.4.38). Programs compiled so far stay
    compiled in memory; only new ones go to, or come from, the folder.
    """
    if "jax" not in sys.modules:                        # JAX reads these variables when it is imported
        for variable, value in environment().items():
            os.environ.setdefault(variable, value)
        return bool(os.environ.get("JAX_COMPILATION_CACHE_DIR"))
    import jax
    from jax.experimental.compilation_cache import compilation_cache

    if jax.config.jax_compilation_cache_dir:            # the student's, or the grader's kernel environment
        return True
    if not folder():
        return False
    jax.config.update("jax_compilation_cache_dir", folder())
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    compilation_cache.reset_cache()
    return True

