"""The environment of the kernels that run notebooks (self-check and autograding).

JAX runs on the CPU, and compiled XLA programs go to the persistent cache of
grader.checks.compile_cache, so a kernel that runs the same checks again (the next
student, the next self-check) skips most of the compilation.
"""
from __future__ import annotations

import contextlib
import os

from .checks import compile_cache


def kernel_environment() -> dict[str, str]:
    """Variables to set for a notebook kernel."""
    return {"JAX_PLATFORMS": "cpu", **compile_cache.environment()}


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
