"""grader.checks.compile_cache: where compiled programs go, before and after JAX is imported.

Each case runs a fresh python (JAX's cache settings are per process) that turns the cache on,
compiles one program and exits; the test reads which folder got it. The path of a student's
JupyterLab kernel (the cache turned on by a test cell) is tested in the student's own venv by
tests/test_student_install.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

BEFORE_IMPORT = ("from grader.checks import compile_cache\ncompile_cache.enable_in_this_process()\n"
                 "import jax.numpy as jnp\nprint(jnp.arange(3.0) * 7)\n")
AFTER_A_COMPILATION = ("import jax.numpy as jnp\nprint(jnp.arange(3.0) + 1)\n"
                       "from grader.checks import compile_cache\ncompile_cache.enable_in_this_process()\n"
                       "print(jnp.arange(3.0) * 7)\n")


def _run(code: str, env: dict[str, str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "GRADER_"))}
    done = subprocess.run([sys.executable, "-c", code], env={**clean, "JAX_PLATFORMS": "cpu", **env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize("code", [BEFORE_IMPORT, AFTER_A_COMPILATION], ids=["before_import", "after_a_compilation"])
def test_programs_go_to_the_kernels_folder(tmp_path, code):
    _run(code, {"GRADER_JAX_CACHE": str(tmp_path / "cache")})
    assert any("mul" in name for name in _files(tmp_path / "cache")), _files(tmp_path / "cache")


def test_the_graders_processes_write_apart_from_the_kernels(tmp_path):
    """A kernel never reads an entry while a grading worker writes it: the workers have a folder of their own."""
    code = BEFORE_IMPORT.replace("enable_in_this_process()", "enable_in_this_process(compile_cache.grader_folder())")
    _run(code, {"GRADER_JAX_CACHE": str(tmp_path / "cache")})
    assert _files(tmp_path / "cache") == []
    assert any("mul" in name for name in _files(tmp_path / "cache-grader")), _files(tmp_path / "cache-grader")


@pytest.mark.parametrize("code", [BEFORE_IMPORT, AFTER_A_COMPILATION], ids=["before_import", "after_a_compilation"])
def test_a_folder_the_user_chose_is_kept(tmp_path, code):
    _run(code, {"GRADER_JAX_CACHE": str(tmp_path / "cache"), "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "mine"),
                "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"})
    assert _files(tmp_path / "cache") == []
    assert any("mul" in name for name in _files(tmp_path / "mine")), _files(tmp_path / "mine")


def test_an_empty_grader_jax_cache_turns_it_off(tmp_path):
    _run(AFTER_A_COMPILATION, {"GRADER_JAX_CACHE": "", "HOME": str(tmp_path)})
    assert list(tmp_path.rglob("*-cache")) == []
