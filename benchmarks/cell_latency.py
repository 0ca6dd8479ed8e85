"""Benchmark: how long a student waits for a visible test cell's verdict in JupyterLab.

For each assignment, a kernel like JupyterLab's (the venv's python3 kernelspec, no
persistent JAX compilation cache, since a student's Lab sets none) runs the solved
workbook's code (the source notebook without its test cells), then every visible test
cell once (its first run in that kernel) and `--reruns` times more (re-runs, as a student
runs the cell again after a change elsewhere). Each assignment gets `--repeats` fresh
kernels; the table gives per exercise the median first run and the median re-run,
wall time from the request to the kernel's reply, and a summary: medians and the
slowest over all exercises, training exercises (those that run an optimisation loop)
listed apart. Every verdict must be full marks, else the script stops. The machine's
load average is printed with the figures. `--jax-cache DIR` gives the kernels JAX's
persistent compilation cache in DIR instead (as `grader check`, `pytest workbook.ipynb`
and grading kernels have it), to see what it saves a first run.

Run by hand:  .venv/bin/python benchmarks/cell_latency.py [ASSIGNMENT ...] [--repeats 3] [--reruns 5]
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


def kernel_env(jax_cache: str | None) -> dict[str, str]:
    """This environment as JupyterLab would give it to a kernel: no persistent compilation cache,
    unless `jax_cache` names one (then as grader.kernel_env sets it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_PERSISTENT_CACHE")
           and k != "JAX_COMPILATION_CACHE_DIR"}
    env["JAX_PLATFORMS"] = "cpu"
    if jax_cache:
        from grader.kernel_env import kernel_environment
        os.environ["GRADER_JAX_CACHE"] = jax_cache
        env.update(kernel_environment())
    return env


def measure(assignment: str, repeats: int, reruns: int,
            jax_cache: str | None = None) -> dict[str, tuple[list[float], list[float]]]:
    """exercise -> (first runs, re-runs) in seconds."""
    code, tests = workbook_cells(ROOT / "source" / assignment / f"{assignment}.ipynb")
    times = {name: ([], []) for name in tests}
    for _ in range(repeats):
        work = Path(tempfile.mkdtemp(prefix="cell-latency-"))
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(work), env=kernel_env(jax_cache))
        try:
            for source in code:
                run(kc, source)
            for name, source in tests.items():
                for attempt in range(1 + reruns):
                    seconds, verdict = run(kc, source)
                    if verdict is None or verdict["score"] < verdict["max_points"]:
                        raise SystemExit(f"{assignment}/{name}: the solved workbook did not get full marks: "
                                         f"{verdict}")
                    times[name][0 if attempt == 0 else 1].append(seconds)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            shutil.rmtree(work, ignore_errors=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", default=exercises.names())
    parser.add_argument("--repeats", type=int, default=3, help="fresh kernels per assignment (default 3)")
    parser.add_argument("--reruns", type=int, default=5, help="re-runs of each test cell per kernel (default 5)")
    parser.add_argument("--jax-cache", metavar="DIR", help="kernels use JAX's persistent compilation cache in DIR")
    args = parser.parse_args()
    print(f"load average at start (1, 5, 15 min): {load_average()}; {os.cpu_count()} cores; "
          f"persistent compilation cache: {args.jax_cache or 'none (as in JupyterLab)'}")
    rows = []
    for assignment in args.assignments:
        if not (ROOT / "source" / assignment / f"{assignment}.ipynb").is_file():
            print(f"{assignment}: no source notebook yet, left out")
            continue
        for name, (first, again) in measure(assignment, args.repeats, args.reruns, args.jax_cache).items():
            rows.append((assignment, name, statistics.median(first), statistics.median(again)))
            print(f"  {assignment:24} {name:24} first {rows[-1][2]:6.3f} s   re-run {rows[-1][3]:6.3f} s", flush=True)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    print()
    print(f"| exercise | first run, median s | re-run, median s |   ({args.repeats} kernels per assignment, "
          f"{args.reruns} re-runs each)")
    print("|---|---:|---:|")
    for group, chosen in (("", [r for r in rows if r[1] not in TRAINING]),
                          ("training: ", [r for r in rows if r[1] in TRAINING])):
        for assignment, name, first, again in chosen:
            print(f"| {group}{assignment}/{name} | {first:.3f} | {again:.3f} |")
    print()
    for label, chosen in (("other exercises", [r for r in rows if r[1] not in TRAINING]),
                          ("training exercises", [r for r in rows if r[1] in TRAINING])):
        if not chosen:
            continue
        slow_first = max(chosen, key=lambda r: r[2])
        slow_again = max(chosen, key=lambda r: r[3])
        print(f"{label} ({len(chosen)}): median first run {statistics.median(r[2] for r in chosen):.3f} s "
              f"(slowest {slow_first[2]:.3f} s, {slow_first[1]}), median re-run "
              f"{statistics.median(r[3] for r in chosen):.3f} s (slowest {slow_again[3]:.3f} s, {slow_again[1]})")


if __name__ == "__main__":
    main()
