"""Benchmark: how long a student waits for a visible test cell's verdict in JupyterLab.

For each assignment, a kernel like JupyterLab's (the venv's python3 kernelspec, no JAX
cache variables) runs the solved workbook's code (the source notebook without its test
cells), then every visible test cell once (its first run in that kernel) and `--reruns`
times more (re-runs, as a student runs the cell again after a change elsewhere). The
first test cell turns JAX's persistent compilation cache on (grader.checks.compile_cache)
in a folder that is empty when the assignment starts, as a student's is on the first day:
the assignment's first kernel meets an empty cache, the next `--repeats` - 1 kernels are
restarts that find what it compiled. The table gives per exercise the first run in the
first kernel, the median first run in the restarted kernels and the median re-run, wall
time from the request to the kernel's reply, and a summary: medians and the slowest over
all exercises, training exercises (those that run an optimisation loop) listed apart.
Every verdict must be full marks, else the script stops. The machine's load average is
printed with the figures. `--no-cache` runs without any persistent cache, as before the
checks turned it on.

Run by hand:  .venv/bin/python benchmarks/cell_latency.py [ASSIGNMENT ...] [--repeats 3] [--reruns 5] [--no-cache]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import exercises  # noqa: E402 (after the path is set)
from grader.protocol import VERDICT_MIMETYPE, VISIBLE_CALL  # noqa: E402

# Exercises whose function runs an optimisation loop: their checks train, so they are slower by nature.
TRAINING = {"gradient_descent", "fit_bazin", "train_mlp", "train_cnn", "train_classifier", "kmeans"}
TIMEOUT = 600


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def workbook_cells(path: Path) -> tuple[list[str], dict[str, str]]:
    """(code of the solved workbook's cells that are not tests, exercise -> visible test cell code)."""
    nb = nbformat.read(str(path), as_version=4)
    code, tests = [], {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        found = VISIBLE_CALL.search(cell.source)
        if meta.get("grade") and not meta.get("solution"):
            if found:
                tests[found.group(2)] = cell.source
            continue                                  # hidden test cells never run in a student's kernel
        code.append(cell.source)
    return code, tests


def run(kc, source: str) -> tuple[float, dict | None]:
    """Seconds from request to reply, and the verdict the cell displayed (None if none)."""
    shown = {}

    def hook(msg):
        if msg["msg_type"] == "display_data" and VERDICT_MIMETYPE in msg["content"]["data"]:
            shown["verdict"] = msg["content"]["data"][VERDICT_MIMETYPE]
        elif msg["msg_type"] == "error":
            shown["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"

    start = time.perf_counter()
    reply = kc.execute_interactive(source, timeout=TIMEOUT, output_hook=hook, store_history=True)
    seconds = time.perf_counter() - start
    if reply["content"]["status"] != "ok" or "error" in shown:
        raise SystemExit(f"a cell failed: {shown.get('error', reply['content'])}\n{source[:300]}")
    return seconds, shown.get("verdict")


def kernel_env(cache: str) -> dict[str, str]:
    """This environment as JupyterLab gives it to a kernel (no JAX cache variables), the student's cache
    folder being `cache` ("" : none, as before the checks turned it on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "GRADER_"))}
    env.update(JAX_PLATFORMS="cpu", GRADER_JAX_CACHE=cache)
    return env


def measure(assignment: str, repeats: int, reruns: int, use_cache: bool) -> dict[str, tuple[list, list, list]]:
    """exercise -> (first run in the first kernel, first runs in the restarted kernels, re-runs), in seconds."""
    code, tests = workbook_cells(ROOT / "source" / assignment / f"{assignment}.ipynb")
    times = {name: ([], [], []) for name in tests}
    cache = Path(tempfile.mkdtemp(prefix="cell-latency-cache-"))      # the student's ~/.cache/grader/jax, empty
    try:
        for kernel in range(repeats):
            work = Path(tempfile.mkdtemp(prefix="cell-latency-"))
            km, kc = start_new_kernel(kernel_name="python3", cwd=str(work),
                                      env=kernel_env(str(cache) if use_cache else ""))
            try:
                for source in code:
                    run(kc, source)
                for name, source in tests.items():
                    for attempt in range(1 + reruns):
                        seconds, verdict = run(kc, source)
                        if verdict is None or verdict["score"] < verdict["max_points"]:
                            raise SystemExit(f"{assignment}/{name}: the solved workbook did not get full marks: "
                                             f"{verdict}")
                        times[name][2 if attempt else min(kernel, 1)].append(seconds)
            finally:
                kc.stop_channels()
                km.shutdown_kernel(now=True)
                shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return times


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", default=exercises.names())
    parser.add_argument("--repeats", type=int, default=3,
                        help="kernels per assignment, one after the other (default 3): the first meets an "
                             "empty cache, the others are restarts")
    parser.add_argument("--reruns", type=int, default=5, help="re-runs of each test cell per kernel (default 5)")
    parser.add_argument("--no-cache", action="store_true",
                        help="no persistent compilation cache at all (GRADER_JAX_CACHE=\"\")")
    args = parser.parse_args()
    print(f"load average at start (1, 5, 15 min): {load_average()}; {os.cpu_count()} cores; "
          f"persistent compilation cache: {'none' if args.no_cache else 'the checks turn it on, empty at first'}")
    rows = []
    for assignment in args.assignments:
        if not (ROOT / "source" / assignment / f"{assignment}.ipynb").is_file():
            print(f"{assignment}: no source notebook yet, left out")
            continue
        for name, (cold, restarted, again) in measure(assignment, args.repeats, args.reruns,
                                                      not args.no_cache).items():
            rows.append((assignment, name, _median(cold), _median(restarted), _median(again)))
            print(f"  {assignment:24} {name:24} first {rows[-1][2]:6.3f} s   after a restart {rows[-1][3]:6.3f} s"
                  f"   re-run {rows[-1][4]:6.3f} s", flush=True)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    print()
    print(f"| exercise | first run, first kernel s | first run, restarted kernel, median s | re-run, median s |"
          f"   ({args.repeats} kernels per assignment, {args.reruns} re-runs each)")
    print("|---|---:|---:|---:|")
    for group, chosen in (("", [r for r in rows if r[1] not in TRAINING]),
                          ("training: ", [r for r in rows if r[1] in TRAINING])):
        for assignment, name, cold, restarted, again in chosen:
            print(f"| {group}{assignment}/{name} | {cold:.3f} | {restarted:.3f} | {again:.3f} |")
    print()
    for label, chosen in (("other exercises", [r for r in rows if r[1] not in TRAINING]),
                          ("training exercises", [r for r in rows if r[1] in TRAINING])):
        if not chosen:
            continue
        parts = []
        for column, what in ((2, "first run, first kernel"), (3, "first run, restarted kernel"), (4, "re-run")):
            slowest = max(chosen, key=lambda r: r[column])
            parts.append(f"{what}: median {_median([r[column] for r in chosen]):.3f} s "
                         f"(slowest {slowest[column]:.3f} s, {slowest[1]})")
        print(f"{label} ({len(chosen)}): " + "; ".join(parts))


if __name__ == "__main__":
    main()
