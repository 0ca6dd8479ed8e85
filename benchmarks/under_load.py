"""Run tests while every core is kept busy by other processes, and print what happened.

    .venv/bin/python benchmarks/under_load.py                      # the attack and sandbox tests
    .venv/bin/python benchmarks/under_load.py -- tests/test_cli.py -x  # any pytest arguments

CI machines are loaded: a test that passes only on an idle machine depends on timing luck. This
starts one CPU hog per core (stress-ng's `--cpu` when it is installed, else busy Python processes at
normal priority), runs pytest beside them, stops them, and prints a table: the load, pytest's exit
status and its summary line, and the wall-clock time. Nothing is asserted here; a failing test fails
pytest, whose status this script returns.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TESTS = ["tests/test_attacks.py", "tests/test_sandbox.py"]


def _spin() -> None:
    while True:
        pass


def start_load(hogs: int) -> tuple[str, list]:
    """(description, handles) of `hogs` busy processes."""
    if shutil.which("stress-ng"):
        process = subprocess.Popen(["stress-ng", "--cpu", str(hogs), "--quiet"])
        return f"stress-ng --cpu {hogs}", [process]
    processes = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(hogs)]
    for process in processes:
        process.start()
    return f"{hogs} busy Python processes", processes


def stop_load(handles: list) -> None:
    """Stop the hogs (Popen or multiprocessing.Process) and wait for them."""
    for handle in handles:
        handle.terminate()
    for handle in handles:
        if isinstance(handle, subprocess.Popen):
            handle.wait()
        else:
            handle.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=len(os.sched_getaffinity(0)),
                        help="CPU hogs to start (default: one per core)")
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest (after --)")
    args = parser.parse_args()
    load, handles = start_load(args.hogs)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               *(args.pytest_args or DEFAULT_TESTS)], cwd=ROOT, capture_output=True, text=True)
    finally:
        stop_load(handles)
    seconds = time.monotonic() - started
    lines = done.stdout.strip().splitlines()
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    print("\n".join(failures))
    print(f"| load | pytest status | summary | wall time |\n|---|---|---|---|\n"
          f"| {load} | {done.returncode} | {lines[-1] if lines else done.stderr.strip()[-200:]} | {seconds:.0f} s |")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
