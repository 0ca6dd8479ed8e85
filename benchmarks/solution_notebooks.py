"""How long each assignment's solution notebook takes to execute: cold, then warm (run by hand).

    JAX_PLATFORMS=cpu .venv/bin/python benchmarks/solution_notebooks.py [ASSIGNMENT ...]

Each source notebook (solutions, visible and hidden tests) is executed in a fresh kernel like the
grading kernels (grader.autograde.kernels) three times with one persistent JAX compilation cache of
its own: the first run starts from an empty cache (cold), the next two find it filled (warm; their
median is printed). The course's budget for a solution notebook is 60 s warm on the 2-core reference
machine. The load average before and after is printed: the figures mean little on a busy machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import exercises  # noqa: E402
from grader.autograde import kernels  # noqa: E402

WARM_RUNS = 2


def execute_seconds(notebook: Path) -> float:
    """Seconds to execute `notebook` in a fresh, started kernel (kernel start not counted)."""
    from nbgrader.preprocessors import Execute
    kernel = kernels.Kernel(kernels.Recipe("python3", ("--HistoryManager.hist_file=:memory:",)))
    try:
        kernel.ready()
        nb = nbformat.read(str(notebook), as_version=4)
        start = time.monotonic()
        Execute(timeout=600).preprocess(nb, {"metadata": {"path": kernel.workdir}}, km=kernel.km)
        return time.monotonic() - start
    finally:
        kernel.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=None, metavar="ASSIGNMENT")
    names = parser.parse_args().assignments or exercises.names()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'assignment':<26} {'cold s':>8} {'warm s (median of ' + str(WARM_RUNS) + ')':>22}")
    for name in names:
        notebook = ROOT / "source" / name / f"{name}.ipynb"
        with tempfile.TemporaryDirectory(prefix="jax-cache-") as cache:
            os.environ["GRADER_JAX_CACHE"] = cache
            cold = execute_seconds(notebook)
            warm = statistics.median(execute_seconds(notebook) for _ in range(WARM_RUNS))
        print(f"{name:<26} {cold:>8.1f} {warm:>22.1f}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
