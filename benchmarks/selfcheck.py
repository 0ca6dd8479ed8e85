"""Benchmark: time from command to verdict for `pytest workbook.ipynb`, against the floor.

For each assignment, on its solved workbook (the source notebook with solutions):
  floor     start a kernel and `import jax` (what any notebook run pays)
  execute   run the notebook's code cells only, no test cells (the workbook's own cost)
  pytest    `pytest workbook.ipynb -q` from the command line to the verdict
Each is repeated REPEATS times; the table gives medians and pytest minus floor.
The first pytest run fills the persistent JAX compilation cache; it is reported
apart ("cold") and left out of the median.

Run by hand:  .venv/bin/python benchmarks/selfcheck.py [ASSIGNMENT ...] [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def time_floor() -> float:
    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute_interactive("import jax, jax.numpy as jnp; jnp.zeros(1).block_until_ready()", timeout=120)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return time.perf_counter() - start


def time_execute_without_tests(path: Path) -> float:
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    return time.perf_counter() - start


def time_pytest(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                          capture_output=True, text=True, cwd=str(path.parent))
    return time.perf_counter() - start, proc.returncode


def main() -> None:
    from grader import exercises
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", default=exercises.names())
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    cache = Path(tempfile.mkdtemp(prefix="jax-cache-"))
    os.environ["GRADER_JAX_CACHE"] = str(cache)
    rows = []
    for name in args.assignments:
        work = Path(tempfile.mkdtemp())
        solved = work / f"{name}.ipynb"
        shutil.copy(ROOT / "source" / name / f"{name}.ipynb", solved)
        cold, code = time_pytest(solved)
        floors, executes, pytests = [], [], []
        for _ in range(args.repeats):  # interleaved, so that load drifts hit all three alike
            floors.append(time_floor())
            executes.append(time_execute_without_tests(solved))
            seconds, code = time_pytest(solved)
            pytests.append(seconds)
        floor, pyt = statistics.median(floors), statistics.median(pytests)
        rows.append((name, floor, statistics.median(executes), cold, pyt, pyt - floor, code))
        shutil.rmtree(work)
    shutil.rmtree(cache, ignore_errors=True)
    print(f"median of {args.repeats} runs, seconds (cold = first pytest run, empty JAX cache)")
    print(f"{'assignment':28s} {'floor':>6s} {'execute':>8s} {'cold':>6s} {'pytest':>7s} {'-floor':>7s} exit")
    for name, floor, execute, cold, pyt, over, code in rows:
        print(f"{name:28s} {floor:6.2f} {execute:8.2f} {cold:6.2f} {pyt:7.2f} {over:7.2f} {code:4d}")


if __name__ == "__main__":
    main()
