"""The environment of the kernels that run notebooks (self-check and autograding).

JAX runs on the CPU, and compiled XLA programs go to a persistent cache, so a
kernel that runs the same checks again (the next student, the next self-check)
skips most of the compilation. The cache holds compiled programs only, keyed by
program and JAX version. Its folder is $GRADER_JAX_CACHE (default
~/.cache/grader/jax); set GRADER_JAX_CACHE to an empty string to turn it off.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path


def kernel_environment() -> dict[str, str]:
    """Variables to set for a notebook kernel."""
    env = {"JAX_PLATFORMS": "cpu"}
    cache = os.environ.get("GRADER_JAX_CACHE", str(Path.home() / ".cache" / "grader" / "jax"))
    if cache:
        env.update({"JAX_COMPILATION_CACHE_DIR": cache,
                    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1"})
    return env


def environ(**extra: str) -> dict[str, str]:
    """This process's environment with `kernel_environment()` and `extra` set: what a kernel
    started inside `kernel_env(**extra)` gets. A JAX cache folder already chosen by the user is kept."""
    env = dict(os.environ)
    for key, value in {**kernel_environment(), **extra}.items():
        if key == "JAX_PLATFORMS" or key in extra or key not in env:
            env[key] = value
    return env


@contextlib.contextmanager
def kernel_env(**extra: str):
    """Set `environ(**extra)` in os.environ, which kernels inherit, for the duration."""
    env = environ(**extra)
    saved = {k: os.environ.get(k) for k in {**kernel_environment(), **extra}}
    for key in saved:
        os.environ[key] = env[key]
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
