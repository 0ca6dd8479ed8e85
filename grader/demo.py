"""The demo cohort: synthetic students whose scores we know before grading.

Each student's workbook is the RELEASE notebook with the source of some solution
cells replaced: by the instructor's solution (from the source notebook), by a
known mistake from the exercise spec, or by a variation (a crash, noise on
stderr). Each student states which checks it is expected to fail, by name; its
expected score is the assignment's total minus those checks' points.

`run(course)` is the whole demo: release, build the cohort under submitted/,
autograde it, write feedback and grades.csv, and compare scores with expectations.
"""
from __future__ import annotations

import copy
import math
import re
import shutil
from dataclasses import dataclass, field
from typing import Callable, Mapping

import nbformat

from . import exercises
from .course import Autograded, Course, CourseError

ASSIGNMENT = "s1_jax_fundamentals"

# An answer: (exercise name, the source of the instructor's solution cell) -> the student's
# cell source, or None to leave the release stub in place. nbgrader's BEGIN/END SOLUTION
# marker lines are removed from whatever it returns.
Answer = Callable[[str, str], "str | None"]


# --- answers ----------------------------------------------------------------------

def correct(name: str, solution: str) -> str:
    """The instructor's solution."""
    return solution


def stub(name: str, solution: str) -> None:
    """The release stub, untouched (raises NotImplementedError)."""
    return None


def mistake(hint: str, which: int = 0) -> Answer:
    """The `which`-th mistake snippet of the exercise whose hint is `hint` (from the exercise spec)."""
    def answer(name: str, solution: str) -> str:
        found = [m for m in exercises.load(ASSIGNMENT)[name].mistakes if m.hint == hint]
        if len(found) <= which:
            raise KeyError(f"exercise {name!r} has {len(found)} mistake(s) with hint {hint!r}, "
                           f"not a number {which}")
        return found[which].code.strip() + "\n"
    return answer


def crashes_before_def(name: str, solution: str) -> str:
    """The solution preceded by a line raising NameError, so the function is never defined."""
    return f"helper_that_was_never_defined()  # raises NameError: {name} is never defined\n\n{solution}"


def noisy(name: str, solution: str) -> str:
    """The solution, with a Python warning and a line on stderr at every call."""
    lines = solution.splitlines()
    at = next((i for i, line in enumerate(lines) if "BEGIN SOLUTION" in line), None)
    if at is None:
        raise ValueError(f"solution of {name} has no '### BEGIN SOLUTION' line to put the noise after")
    indent = re.match(r"\s*", lines[at]).group(0)
    noise = [f'{indent}warnings.warn("{name} says: this is a harmless warning", UserWarning)',
             f'{indent}print("{name} was called", file=sys.stderr)']
    return "import sys\nimport warnings\n\n" + "\n".join(lines[:at + 1] + noise + lines[at + 1:]) + "\n"


# --- students ---------------------------------------------------------------------

@dataclass(frozen=True)
class Fail:
    """A check a student is expected to fail: exercise, part ("visible" or "hidden"), check name."""
    exercise: str
    part: str
    check: str

    def points(self) -> float:
        return exercises.load(ASSIGNMENT)[self.exercise].part(self.part).points_of(self.check)


def every_check(exercise: str) -> tuple[Fail, ...]:
    """Every check of both parts of an exercise, by name (for a function that is missing or not written)."""
    spec = exercises.load(ASSIGNMENT)[exercise]
    return tuple(Fail(exercise, part, check.name)
                 for part in ("visible", "hidden") for check in spec.part(part).checks)


@dataclass(frozen=True)
class Student:
    """A synthetic student: what it answers, and which checks it is expected to fail."""
    id: str
    about: str
    answer: Answer = correct                                   # for every exercise not in `answers`
    answers: Mapping[str, Answer] = field(default_factory=dict)
    deleted_tests: tuple[str, ...] = ()                        # exercises whose test cells were deleted
    fails: tuple[Fail, ...] = ()

    def answer_for(self, exercise: str) -> Answer:
        return self.answers.get(exercise, self.answer)

    def expected(self) -> float:
        """The assignment's total minus the points of the checks this student is expected to fail."""
        return exercises.load(ASSIGNMENT).points - sum(f.points() for f in self.fails)


def cohort() -> list[Student]:
    """The demo students; every `fails` list was confirmed by grading (see tests/test_demo.py)."""
    names = [e.name for e in exercises.load(ASSIGNMENT).exercises]
    return [
        # Every function is the instructor's solution: nothing to lose.
        Student("correct", "every exercise solved"),
        # Nothing implemented: every function raises NotImplementedError, so every check fails.
        Student("blank", "handed in the workbook untouched", answer=stub,
                fails=sum((every_check(name) for name in names), ())),
        # soft_threshold's cell dies before its def, so soft_threshold is undefined in both test cells.
        Student("crash_soft_threshold", "a NameError above the def of soft_threshold",
                answers={"soft_threshold": crashes_before_def}, fails=every_check("soft_threshold")),
        # The deleted test cells come back (OverwriteCells.add_missing_cells) and find record unwritten.
        Student("deleted_record_tests", "deleted record's test cells and left record unwritten",
                answers={"record": stub}, deleted_tests=("record",), fails=every_check("record")),
        # Drawing a and b with one key makes them identical (not independent) and reuses the key.
        Student("reused_key", "two_independent_normals draws both arrays with the same key",
                answers={"two_independent_normals": mistake("identical_draws")},
                fails=(Fail("two_independent_normals", "visible", "independent_draws"),
                       Fail("two_independent_normals", "hidden", "independent_draws"),
                       Fail("two_independent_normals", "hidden", "no_key_reuse"))),
        # `x[index] = value` raises TypeError on a JAX array, so every check that calls it fails.
        Student("inplace_set_entry", "set_entry assigns in place, x[index] = value",
                answers={"set_entry": mistake("in_place_mutation")}, fails=every_check("set_entry")),
        # A sum is N times the mean: loss and gradient are wrong; hidden jit needs 'loss', so it is not assessed.
        Student("sum_not_mean", "mse_value_and_grad sums the squared errors instead of averaging",
                answers={"mse_value_and_grad": mistake("sum_vs_mean")},
                fails=(Fail("mse_value_and_grad", "visible", "loss"),
                       Fail("mse_value_and_grad", "visible", "gradient"),
                       Fail("mse_value_and_grad", "hidden", "loss"),
                       Fail("mse_value_and_grad", "hidden", "gradient"),
                       Fail("mse_value_and_grad", "hidden", "jit"))),
        # `if x > t` on an array raises, so values fail and jit and gradient (which need values) are not assessed.
        Student("python_if", "soft_threshold uses a Python if on the array",
                answers={"soft_threshold": mistake("python_if_on_array")}, fails=every_check("soft_threshold")),
        # Correct, but every function warns and prints to stderr: the checks capture both, nothing lost.
        Student("noisy_correct", "every exercise solved, with a warning and stderr output at each call",
                answer=noisy),
    ]


# --- building the workbooks -------------------------------------------------------

def solutions(source_notebook) -> dict[str, str]:
    """grade_id -> source of each solution cell of the instructor's notebook."""
    nb = _read(source_notebook)
    return {meta["grade_id"]: cell.source for cell in nb.cells
            if (meta := cell.get("metadata", {}).get("nbgrader", {})).get("solution") and "grade_id" in meta}


def workbook(release_nb, student: Student, solution_of: Mapping[str, str]):
    """A copy of the release notebook filled in as `student` would have."""
    nb = copy.deepcopy(release_nb)
    spec = exercises.load(ASSIGNMENT)
    deleted = {spec[name].grade_ids[part] for name in student.deleted_tests for part in ("visible", "hidden")}
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id in deleted:
            continue
        if meta.get("solution") and grade_id in solution_of:
            code = student.answer_for(grade_id)(grade_id, solution_of[grade_id])
            if code is not None:
                cell.source = _strip_markers(code)
        cells.append(cell)
    nb.cells = cells
    return nb


def build(course: Course, students: list[Student] | None = None) -> list[Student]:
    """Write each student's workbook to submitted/<student>/<assignment>/ (replacing only demo students')."""
    students = cohort() if students is None else students
    release_nb = _read(course.release_notebook(ASSIGNMENT))
    solution_of = solutions(course.source_notebook(ASSIGNMENT))
    missing = [e.name for e in exercises.load(ASSIGNMENT).exercises if e.name not in solution_of]
    if missing:
        raise CourseError(f"{course.source_notebook(ASSIGNMENT)}: no solution cell with grade_id {missing}")
    for student in students:
        path = course.submission(student.id, ASSIGNMENT)
        if path.parent.exists():
            shutil.rmtree(path.parent)
        path.parent.mkdir(parents=True)
        nbformat.write(workbook(release_nb, student, solution_of), str(path))
    return students


def _strip_markers(code: str) -> str:
    """Solution source without nbgrader's BEGIN/END SOLUTION lines."""
    return "\n".join(line for line in code.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")) + "\n"


def _read(path):
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise CourseError(f"{path}: notebook not found") from None
    except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds)
        raise CourseError(f"{path}: not a readable notebook ({exc})") from None


# --- the whole demo ---------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """One demo student's grade next to its expectation."""
    student: str
    about: str
    score: float
    max_score: float
    expected: float
    problem: str = ""      # why autograding failed, if it did

    @property
    def ok(self) -> bool:
        return not self.problem and math.isclose(self.score, self.expected, abs_tol=1e-6)


def grade(course: Course, students: list[Student],
          done: Callable[[Autograded], None] = lambda graded: None) -> list[Autograded]:
    """Autograde the demo students' submissions (they are added to the gradebook first)."""
    course.add_students([s.id for s in students])
    return course.autograde(ASSIGNMENT, [s.id for s in students], done)


def results(course: Course, students: list[Student], outcomes: list[Autograded] = ()) -> list[Result]:
    """Each student's gradebook score next to its expectation."""
    problems = {o.student: o.message for o in outcomes if not o.ok}
    rows = {r["student"]: r for r in course.grades() if r["assignment"] == ASSIGNMENT}
    out = []
    for s in students:
        row = rows.get(s.id, {"score": 0.0, "max_score": exercises.load(ASSIGNMENT).points})
        out.append(Result(s.id, s.about, float(row["score"]), float(row["max_score"]), s.expected(),
                          problems.get(s.id, "")))
    return out


def run(course: Course, progress: Callable[[str], None] = lambda message: None) -> list[Result]:
    """The whole flow: release, cohort, autograde, feedback, grades.csv; returns the comparison."""
    progress(f"releasing {ASSIGNMENT}")
    course.release(ASSIGNMENT)
    progress("building the demo cohort")
    students = build(course)
    count = iter(range(1, len(students) + 1))
    progress(f"autograding {len(students)} submissions")
    outcomes = grade(course, students, lambda graded: progress(
        f"autograded {next(count)} of {len(students)} submissions ({graded.student})"))
    progress("writing feedback")
    course.feedback(ASSIGNMENT)
    path = course.export_grades()
    progress(f"wrote {path}")
    return results(course, students, outcomes)
