"""Benchmark: nbgrader autograde (serial) against grader autograde (parallel) on one synthetic cohort.

Run by hand, not a test:

    JAX_PLATFORMS=cpu .venv/bin/python benchmarks/autograde.py --n 12 [--assignment NAME]

Makes a temporary course with N submissions of an assignment (default s1_linear_models_to_ml; correct,
one typical mistake from the exercise spec, blank, crashing), grades one copy with
nbgrader's autograde one submission after another as installed (kernels without a
JAX compilation cache), one copy the same way but in the grader's kernel
environment (with the cache), and two copies with the parallel runner (without and
with the sandbox), checks every student's scores are identical, and prints a table:
total time, median interval between two results, throughput ratio, peak memory
of the process tree, and the floor (the solution notebook executed once in a
warm kernel, times N, divided by the workers).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from rich.console import Console
from rich.table import Table

from grader import exercises
from grader.autograde import autograde, executors, kernels
from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))      # the serial nbgrader baseline lives beside the test that uses it too
import serial_baseline  # noqa: E402
ASSIGNMENT = "s1_linear_models_to_ml"   # the default; --assignment picks another


def cohort(n: int) -> dict[str, dict[str, str | None]]:
    """student id -> {exercise: answer} for n students cycling through correct, a mistake (each of the
    spec's in turn), blank, crashing. An answer is the cell's code, None for the release stub; an
    exercise not named gets the instructor's solution."""
    spec = exercises.load(ASSIGNMENT, instructor=True)
    mistakes = [(e.name, m.code.strip() + "\n") for e in spec.exercises for m in e.mistakes]
    names = [e.name for e in spec.exercises]
    students = {}
    for i in range(n):
        kind = ("correct", "mistake", "mistake", "blank", "crash")[i % 5]
        if kind == "mistake":
            name, code = mistakes[i % len(mistakes)]
            students[f"s{i:03d}_mistake_{name}"] = {name: code}
        elif kind == "blank":
            students[f"s{i:03d}_blank"] = {name: None for name in names}
        elif kind == "crash":
            name = names[i % len(names)]
            students[f"s{i:03d}_crash_{name}"] = {name: "undefined_helper()  # NameError\n"}
        else:
            students[f"s{i:03d}_correct"] = {}
    return students


def make_course(directory: Path, students: dict[str, dict[str, str | None]]) -> Course:
    """A course in `directory` with ASSIGNMENT released and the students' workbooks submitted."""
    shutil.copy(ROOT / "nbgrader_config.py", directory)
    shutil.copytree(ROOT / "source", directory / "source")
    course = Course(directory)
    course.release(ASSIGNMENT)
    release_nb = nbformat.read(str(course.release_notebook(ASSIGNMENT)), as_version=4)
    source_nb = nbformat.read(str(course.source_notebook(ASSIGNMENT)), as_version=4)
    solution = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for student, answers in students.items():
        nb = copy.deepcopy(release_nb)
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id in solution:
                code = answers.get(grade_id, solution[grade_id])
                if code is not None:
                    cell.source = "\n".join(line for line in code.splitlines()
                                            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
        path = course.submission(student, ASSIGNMENT)
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    course.add_students(list(students))
    return course


class PeakMemory:
    """Peak resident memory of this process and all its descendants (sampled every 0.1 s)."""

    def __enter__(self):
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for p in [me] + me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(run) -> tuple[float, list[float], int, list]:
    """(total seconds, intervals between results, peak bytes, results) of run(done)."""
    stamps = []
    with PeakMemory() as memory:
        start = time.monotonic()
        results = run(lambda graded: stamps.append(time.monotonic()))
        total = time.monotonic() - start
    intervals = [b - a for a, b in zip([start] + stamps, stamps)]
    return total, intervals, memory.peak, results


def floor_seconds(course: Course) -> float:
    """Seconds to execute the solution notebook in a warm kernel (the second of two runs: caches warm)."""
    from nbgrader.preprocessors import Execute
    seconds = []
    for _ in range(2):
        kernel = kernels.Kernel(kernels.Recipe("python3", ("--HistoryManager.hist_file=:memory:",)))
        try:
            kernel.ready()
            nb = nbformat.read(str(course.source_notebook(ASSIGNMENT)), as_version=4)
            start = time.monotonic()
            Execute(timeout=120).preprocess(nb, {"metadata": {"path": kernel.workdir}}, km=kernel.km)
            seconds.append(time.monotonic() - start)
        finally:
            kernel.shutdown()
    return seconds[-1]


@contextlib.contextmanager
def compilation_cache(directory: str | None):
    """Kernels started meanwhile use the persistent JAX compilation cache in `directory`
    ("": none, as with nbgrader as installed; None: the user's, unchanged)."""
    if directory is None:
        yield
        return
    saved = os.environ.get("GRADER_JAX_CACHE")
    os.environ["GRADER_JAX_CACHE"] = directory
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("GRADER_JAX_CACHE")
        else:
            os.environ["GRADER_JAX_CACHE"] = saved


def scores(course: Course) -> dict[str, dict]:
    """student -> every test cell's score and the total, from the gradebook."""
    return {r["student"]: r for r in course.grades() if r["assignment"] == ASSIGNMENT}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="submissions in the cohort (default 100)")
    p.add_argument("--assignment", default=ASSIGNMENT, choices=exercises.names(),
                   help=f"the assignment graded (default {ASSIGNMENT})")
    p.add_argument("--workers", type=int, default=None, help="grader's workers (default: one per core)")
    p.add_argument("--skip-nbgrader", action="store_true",
                   help="time only the grader's runs (with and without the sandbox)")
    p.add_argument("--cold-cache", action="store_true",
                   help="each grader run starts with an empty JAX compilation cache of its own "
                        "(default: the user's cache, as warm as earlier runs left it)")
    args = p.parse_args(argv)
    globals()["ASSIGNMENT"] = args.assignment        # the module's helpers above read it
    workers = args.workers or executors.default_workers()
    console = Console(width=max(Console().width, 130))
    students = cohort(args.n)
    ids = list(students)
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        base = Path(tmp)
        console.print(f"making a cohort of {args.n} submissions of {ASSIGNMENT} ...")
        for name in ("plain", "serial", "parallel", "unsandboxed"):
            (base / name).mkdir()
        plain = make_course((base / "plain").resolve(), students)
        serial = make_course((base / "serial").resolve(), students)
        parallel = make_course((base / "parallel").resolve(), students)
        unsandboxed = make_course((base / "unsandboxed").resolve(), students)

        console.print("floor: the solution notebook in a warm kernel ...")
        floor_one = floor_seconds(serial)
        nbgrader_runs = []
        if not args.skip_nbgrader:
            console.print("nbgrader autograde as installed (no compilation cache), one submission after another ...")
            with compilation_cache(""):
                nbgrader_runs.append(timed(lambda done: serial_baseline.autograde(plain, ASSIGNMENT, ids, done=done)))
            console.print("nbgrader autograde with the grader's kernel environment, one after another ...")
            nbgrader_runs.append(timed(lambda done: serial_baseline.autograde(serial, ASSIGNMENT, ids, done=done)))
        def cache(name: str) -> str | None:
            if not args.cold_cache:
                return None
            (base / name / "jax-cache").mkdir(mode=0o755)
            return str(base / name / "jax-cache")
        console.print(f"grader autograde, {workers} workers, no sandbox ...")
        with compilation_cache(cache("unsandboxed")):
            u_total, u_steps, u_peak, u_results = timed(lambda done: autograde(
                unsandboxed, ASSIGNMENT, ids, workers=workers, force=True, sandbox=False, done=done))
        console.print(f"grader autograde, {workers} workers, sandboxed ...")
        with compilation_cache(cache("parallel")):
            g_total, g_steps, g_peak, g_results = timed(lambda done: autograde(
                parallel, ASSIGNMENT, ids, workers=workers, force=True, sandbox=True, done=done))
        runs = [scores(c) for c in ([plain, serial] if nbgrader_runs else []) + [unsandboxed, parallel]]

    results = [r for run in nbgrader_runs for r in run[3]] + list(u_results) + list(g_results)
    failed = [r.student for r in results if not r.ok]
    differ = sorted(s for s in ids if any(run.get(s) != runs[-1].get(s) for run in runs))
    floor = floor_one * args.n / workers
    title = f"autograde {args.n} submissions of {ASSIGNMENT}, {workers} workers"
    table = Table(title=title + (", grader runs from an empty JAX cache" if args.cold_cache else ""))
    for column in ("", "total s", "median s between results", "throughput vs nbgrader", "peak memory MB",
                   "vs floor"):
        table.add_column(column, justify="right")
    if nbgrader_runs:
        (p_total, p_steps, p_peak, _), (n_total, n_steps, n_peak, _) = nbgrader_runs
        table.add_row("nbgrader autograde as installed (serial)", f"{p_total:.1f}",
                      f"{statistics.median(p_steps):.2f}", "1.00x", f"{p_peak / 2**20:.0f}", f"{p_total / floor:.2f}x")
        table.add_row("nbgrader autograde, grader's kernel env (serial)", f"{n_total:.1f}",
                      f"{statistics.median(n_steps):.2f}", f"{p_total / n_total:.2f}x", f"{n_peak / 2**20:.0f}",
                      f"{n_total / floor:.2f}x")
    for label, total, steps, peak in ((f"grader autograde ({workers} workers), no sandbox", u_total, u_steps, u_peak),
                                      (f"grader autograde ({workers} workers), sandboxed", g_total, g_steps, g_peak)):
        ratio = f"{p_total / total:.2f}x ({n_total / total:.2f}x)" if nbgrader_runs else ""
        table.add_row(label, f"{total:.1f}", f"{statistics.median(steps):.2f}", ratio, f"{peak / 2**20:.0f}",
                      f"{total / floor:.2f}x")
    table.add_row("floor (warm kernel x N / workers)", f"{floor:.1f}", f"{floor_one / workers:.2f}", "", "", "1.00x")
    console.print(table)
    console.print(f"solution notebook in a warm kernel: {floor_one:.2f} s; "
                  f"sandbox overhead: {g_total / u_total - 1:+.0%} of the unsandboxed run's time")
    if failed:
        console.print(f"[red]failed to grade:[/] {', '.join(sorted(set(failed)))}")
    if differ:
        console.print(f"[red]scores differ for {len(differ)} student(s):[/] {', '.join(differ)}")
        return 1
    console.print(f"scores identical for all {len(ids)} students")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
