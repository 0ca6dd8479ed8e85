"""Grading mutants: each with the exercise's real checks (visible and hidden, the fast path), in parallel.

Every mutant ends in one of these states:

- killed: it loses points in the visible or the hidden test cell;
- survived: it keeps full marks, and its outputs differ from the solution's somewhere;
- equivalent: it keeps full marks and either the instructor half names it in `equivalent_mutants`
  (with the reason), or its outputs (and every probe the exercise describes) equal the solution's on many
  random inputs of the exercise's domain: its `hidden_cases` drawn with `EQUIVALENCE_DRAWS`
  generators, and its public cases. The latter is *probably* equivalent, with that evidence;
- invalid: it does not compile, or raises on every public case: it does not run at all;
- timeout: grading it took longer than the time limit.

The mutation score is killed / (killed + survived): equivalent, invalid and timed-out mutants are
counted apart.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .generate import Mutant, mutants

STATES = ("killed", "survived", "equivalent", "invalid", "timeout")
# 20 draws of the hidden cases (about 60 cases for most exercises) are seconds for a function of arrays;
# a training or fitting function gets fewer, at least 3, once 30 s are spent (fit_bazin: 3 draws, 7 cases).
EQUIVALENCE_DRAWS = 20
EQUIVALENCE_SECONDS = 30.0
# A bound for a mutant that never ends: session 1's mutants take seconds each under the 2-core machine's
# normal load, the training ones (train_mlp, fit_bazin) the longest, and none came near it.
TIMEOUT_SECONDS = 300


class MutantTimeout(BaseException):
    """Raised by the alarm in a worker: a BaseException, so no `except Exception` of the checks turns
    it into a failed check."""


@dataclass
class Result:
    """What grading one mutant gave."""
    assignment: str
    mutant: Mutant
    state: str
    lost: float = 0.0
    failed: tuple[str, ...] = ()      # names of the checks that failed ("visible:values", ...)
    evidence: str = ""                # why equivalent, the error of an invalid mutant, where a survivor differs
    seconds: float = 0.0              # wall time in the worker
    cpu_seconds: float = 0.0          # CPU time of the worker (its threads included)


@dataclass
class Run:
    """The results of a run, and its wall time."""
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    stale: list[tuple[str, str, str]] = field(default_factory=list)   # (assignment, exercise, id) marked, not made

    def counts(self, results=None) -> dict[str, int]:
        results = self.results if results is None else results
        counts = {"generated": len(results), **{s: sum(r.state == s for r in results) for s in STATES}}
        return counts

    @staticmethod
    def score(counts: dict[str, int]) -> float | None:
        """killed / (killed + survived), None when there is neither."""
        judged = counts["killed"] + counts["survived"]
        return counts["killed"] / judged if judged else None


def solution_cells(assignment: str) -> dict[str, str]:
    """exercise name -> source of the solution cell that defines it."""
    import libcst as cst

    from .. import material
    from ..reference import solutions, source_notebook
    found = {}
    for source in solutions.solution_cells(source_notebook(material.instructor_dir().parent, assignment)):
        for statement in cst.parse_module(source).body:
            if isinstance(statement, cst.FunctionDef):
                found.setdefault(statement.name.value, source)
    return found


def planned(assignment: str, exercise_names: set[str] | None = None) -> list[Mutant]:
    """Every mutant of the assignment's solutions (of the named exercises)."""
    from .. import exercises
    spec = exercises.load(assignment, instructor=True)
    cells = solution_cells(assignment)
    found = []
    for exercise in spec.exercises:
        if exercise_names and exercise.name not in exercise_names:
            continue
        found += mutants(exercise.name, cells[exercise.name])
    return found


# --- in a worker ------------------------------------------------------------------------------

def _alarm(signum, frame):
    raise MutantTimeout()


def grade(assignment: str, mutant: Mutant, timeout: int = TIMEOUT_SECONDS) -> Result:
    """Grade one mutant (in this process) and classify it; the alarm bounds its time."""
    start, cpu = time.perf_counter(), time.process_time()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        result = _classify(assignment, mutant)
    except MutantTimeout:
        result = Result(assignment, mutant, "timeout", evidence=f"more than {timeout} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    result.seconds = round(time.perf_counter() - start, 2)
    result.cpu_seconds = round(time.process_time() - cpu, 2)
    return result


def _classify(assignment: str, mutant: Mutant) -> Result:
    from .. import exercises
    from ..audit import _solution_namespace
    from ..checks import grade as grade_part

    exercise = exercises.load(assignment, instructor=True)[mutant.exercise]
    solution = _solution_namespace(assignment)
    namespace = dict(solution)
    try:
        exec(compile(mutant.code, f"<mutant {mutant.id}>", "exec"), namespace)  # noqa: S102 (our solution, mutated)
    except Exception as exc:  # noqa: BLE001 (a mutant that does not compile or define is an outcome)
        return Result(assignment, mutant, "invalid", evidence=f"{type(exc).__name__}: {exc}")
    fn = namespace[mutant.exercise]
    verdicts = [grade_part(assignment, mutant.exercise, part, fn=fn, namespace=namespace).to_dict()
                for part in ("visible", "hidden")]
    lost = round(sum(v["max_points"] - v["score"] for v in verdicts), 6)
    if lost > 0:
        error = _raises_everywhere(exercise, fn)
        if error:
            return Result(assignment, mutant, "invalid", lost, evidence=error)
        failed = tuple(f"{v['part']}:{r['name']}" for v in verdicts for r in v["results"] if not r["passed"])
        faults = [e for v in verdicts for e in v["grader_errors"]]
        evidence = ("grader error (a fault of the checks, not a catch): " + "; ".join(faults)) if faults else ""
        return Result(assignment, mutant, "killed", lost, failed, evidence)
    reason = exercise.instructor.equivalent_mutants.get(mutant.id)
    if reason:
        return Result(assignment, mutant, "equivalent", evidence=f"instructor: {reason}")
    same, evidence = _same_outputs(exercise, solution[mutant.exercise], fn)
    return Result(assignment, mutant, "equivalent" if same else "survived", evidence=evidence)


def _raises_everywhere(exercise, fn) -> str:
    """The error of the first public case when `fn` raises on every public case, else ""."""
    from ..checks.context import materialize
    errors = []
    for case in exercise.visible_cases:
        try:
            fn(*materialize(case.args, exercise.functions))
        except Exception as exc:  # noqa: BLE001 (the mutant's error is what is recorded)
            errors.append(f"{type(exc).__name__}: {exc}")
        else:
            return ""
    return errors[0].splitlines()[0] if errors else ""


def _probes(exercise) -> dict:
    """The output and every probe the exercise describes (its gradient, say), whether a check uses it or not."""
    return {"output": lambda fn, *a: fn(*a), **exercise.probes}


def _same_outputs(exercise, solution_fn, fn) -> tuple[bool, str]:
    """(equal everywhere?, evidence): every probe of `fn` against the solution's on the public cases
    and on hidden cases drawn with up to EQUIVALENCE_DRAWS generators (fewer past EQUIVALENCE_SECONDS)."""
    import jax

    from ..checks import trees
    from ..checks.context import materialize

    def outputs(f, args):
        return {name: jax.tree_util.tree_map(np.asarray, probe(f, *args)) for name, probe in probes.items()}

    probes = _probes(exercise)
    start, compared, skipped, draws = time.perf_counter(), 0, 0, 0
    batches = [("public", exercise.visible_cases)]
    while draws < EQUIVALENCE_DRAWS and not (draws >= 3 and time.perf_counter() - start > EQUIVALENCE_SECONDS):
        rng = np.random.default_rng([draws, *exercise.name.encode()])
        batches.append((f"hidden_cases draw {draws}", exercise.hidden_cases(rng)))
        draws += 1
        for where, cases in batches:
            for i, case in enumerate(cases):
                args = materialize(case.args, exercise.functions)
                try:
                    expected = outputs(solution_fn, args)
                except Exception:  # noqa: BLE001 (the solution outside its domain: counted as skipped)
                    skipped += 1
                    continue
                label = f"{where}, case {i}" + (f" ({case.label})" if case.label else "")
                try:
                    got = outputs(fn, args)
                except Exception as exc:  # noqa: BLE001 (raising where the solution does not is a difference)
                    return False, f"raises {type(exc).__name__} on {label}: {str(exc).splitlines()[0][:200]}"
                for name in probes:
                    problem = trees.compare(got[name], expected[name])
                    if problem is not None:
                        return False, f"{name} differs on {label}: {problem.message.splitlines()[0][:200]}"
                compared += 1
        batches = []
    if compared == 0:            # nothing compared is no evidence: a survivor, to look at
        return False, f"no case to compare on: the solution raised on all {skipped}"
    return True, (f"probably equivalent: {', '.join(probes)} equal to the solution's on {compared} cases "
                  f"(the public cases and hidden_cases drawn with {draws} generators"
                  + (f"; {skipped} skipped where the solution raised)" if skipped else ")"))


# --- the pool -----------------------------------------------------------------------------------

def _start_worker(instructor_dir: str) -> None:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ["GRADER_INSTRUCTOR_DIR"] = instructor_dir


def _grade_job(assignment: str, mutant: Mutant, timeout: int) -> Result:
    return grade(assignment, mutant, timeout)


def run(assignments: list[str], exercise_names: set[str] | None = None, workers: int | None = None,
        timeout: int = TIMEOUT_SECONDS, progress=None) -> Run:
    """Generate and grade every mutant of the assignments' solutions on `workers` processes (default:
    one per core; 0 grades here, in this process). `progress(result)` is called as each one ends."""
    from .. import exercises, material
    start = time.perf_counter()
    jobs = [(a, m) for a in assignments for m in planned(a, exercise_names)]
    outcome = Run()
    workers = len(os.sched_getaffinity(0)) if workers is None else workers
    if workers == 0:
        for assignment, mutant in jobs:
            outcome.results.append(grade(assignment, mutant, timeout))
            if progress:
                progress(outcome.results[-1])
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(str(material.instructor_dir()),)) as pool:
            futures = [pool.submit(_grade_job, a, m, timeout) for a, m in jobs]
            for future in futures:
                outcome.results.append(future.result())
                if progress:
                    progress(outcome.results[-1])
    made = {(r.assignment, r.mutant.exercise, r.mutant.id) for r in outcome.results}
    for assignment in assignments:
        for exercise in exercises.load(assignment, instructor=True).exercises:
            if exercise_names and exercise.name not in exercise_names:
                continue
            outcome.stale += [(assignment, exercise.name, i) for i in exercise.instructor.equivalent_mutants
                              if (assignment, exercise.name, i) not in made]
    outcome.seconds = round(time.perf_counter() - start, 1)
    return outcome
