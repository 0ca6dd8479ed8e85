"""The demo cohort: synthetic students whose scores we know before grading.

Each student's workbook is the RELEASE notebook with the source of some solution
cells replaced: by the instructor's solution (from the source notebook), by a
known mistake from the exercise spec, or by a variation (a crash, noise on
stderr). Each student states which checks it is expected to fail, by name; its
expected score is the assignment's total minus those checks' points.

Every assignment has a cohort (`cohort(assignment)`); the first assignment's is
the largest. `run(course)` is the whole demo: release, build the cohorts under
submitted/, autograde them, write the feedback pages, grades.csv and the class
reports, and compare scores with expectations.
"""
from __future__ import annotations

import copy
import math
import re
import shutil
from dataclasses import dataclass, field
from typing import Callable, Mapping

import nbformat

from . import exercises, gradesheet
from .protocol import verdict_of
from .autograde.outcome import Autograded
from .course import Course
from .errors import CourseError
from .exercises.spec import Exercise
from .report import classreport, feedback

ASSIGNMENT = "s1_jax_fundamentals"   # the assignment with the largest cohort
ASSIGNMENTS = ("s1_jax_fundamentals", "s1_linear_models_to_ml", "s1_gradient_descent",
               "s2_galaxy_morphology", "s2_imbalanced_classes", "s3_unsupervised_spectra")

# An answer: (the exercise, the source of the instructor's solution cell) -> the student's
# cell source, or None to leave the release stub in place. nbgrader's BEGIN/END SOLUTION
# marker lines are removed from whatever it returns.
Answer = Callable[[Exercise, str], "str | None"]


# --- answers ----------------------------------------------------------------------

def correct(exercise: Exercise, solution: str) -> str:
    """The instructor's solution."""
    return solution


def stub(exercise: Exercise, solution: str) -> None:
    """The release stub, untouched (raises NotImplementedError)."""
    return None


def mistake(hint: str, which: int = 0) -> Answer:
    """The `which`-th mistake snippet of the exercise whose hint is `hint` (from the exercise spec)."""
    def answer(exercise: Exercise, solution: str) -> str:
        found = [m for m in exercise.mistakes if m.hint == hint]
        if len(found) <= which:
            raise KeyError(f"exercise {exercise.name!r} has {len(found)} mistake(s) with hint {hint!r}, "
                           f"not a number {which}")
        return found[which].code.strip() + "\n"
    return answer


def crashes_before_def(exercise: Exercise, solution: str) -> str:
    """The solution preceded by a line raising NameError, so the function is never defined."""
    return (f"helper_that_was_never_defined()  # raises NameError: {exercise.name} is never defined\n\n"
            f"{solution}")


def noisy(exercise: Exercise, solution: str) -> str:
    """The solution, with a Python warning and a line on stderr at every call."""
    name = exercise.name
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

    def points(self, assignment: str = ASSIGNMENT) -> float:
        return exercises.load(assignment, instructor=True)[self.exercise].part(self.part).points_of(self.check)


def fails(exercise: str, *names: str) -> tuple[Fail, ...]:
    """Fail entries from "part/check" names, e.g. fails("mse", "visible/values", "hidden/jit")."""
    return tuple(Fail(exercise, *name.split("/")) for name in names)


def every_check(exercise: str, assignment: str = ASSIGNMENT) -> tuple[Fail, ...]:
    """Every check of both parts of an exercise, by name (for a function that is missing or not written)."""
    spec = exercises.load(assignment, instructor=True)[exercise]
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
    assignment: str = ASSIGNMENT
    hints: tuple[str, ...] = ()                                # hint ids its feedback must name (all of them)

    def answer_for(self, exercise: str) -> Answer:
        return self.answers.get(exercise, self.answer)

    def expected(self) -> float:
        """The assignment's total minus the points of the checks this student is expected to fail."""
        total = exercises.load(self.assignment).points - sum(f.points(self.assignment) for f in self.fails)
        return round(total, 6) + 0.0        # + 0.0: never -0


def cohort(assignment: str = ASSIGNMENT) -> list[Student]:
    """The demo students of an assignment; every `fails` list was confirmed by grading (tests/test_demo.py)."""
    return {"s1_jax_fundamentals": _fundamentals, "s1_linear_models_to_ml": _linear_models,
            "s1_gradient_descent": _gradient_descent, "s2_galaxy_morphology": _galaxy_morphology,
            "s2_imbalanced_classes": _imbalanced_classes,
            "s3_unsupervised_spectra": _unsupervised_spectra}[assignment]()


def _correct_and_blank(assignment: str) -> list[Student]:
    """The two students every cohort has: every function the instructor's solution (nothing to lose),
    and the untouched workbook (every function raises NotImplementedError, so every check fails)."""
    names = [e.name for e in exercises.load(assignment).exercises]
    return [Student("correct", "every exercise solved", assignment=assignment),
            Student("blank", "handed in the workbook untouched", answer=stub, assignment=assignment,
                    fails=sum((every_check(name, assignment) for name in names), ()), hints=("not_implemented",))]


def _fundamentals() -> list[Student]:
    return [
        *_correct_and_blank(ASSIGNMENT),
        # soft_threshold's cell dies before its def, so soft_threshold is undefined in both test cells.
        Student("crash_soft_threshold", "a NameError above the def of soft_threshold",
                answers={"soft_threshold": crashes_before_def}, fails=every_check("soft_threshold"),
                hints=("not_defined",)),
        # The deleted test cells come back (OverwriteCells.add_missing_cells) and find record unwritten.
        Student("deleted_record_tests", "deleted record's test cells and left record unwritten",
                answers={"record": stub}, deleted_tests=("record",), fails=every_check("record"),
                hints=("not_implemented",)),
        # Drawing a and b with one key makes them identical (not independent) and reuses the key.
        Student("reused_key", "two_independent_normals draws both arrays with the same key",
                answers={"two_independent_normals": mistake("identical_draws")},
                fails=(Fail("two_independent_normals", "visible", "independent_draws"),
                       Fail("two_independent_normals", "hidden", "independent_draws"),
                       Fail("two_independent_normals", "hidden", "no_key_reuse")),
                hints=("identical_draws", "reused_key")),
        # `x[index] = value` raises TypeError on a JAX array, so every check that calls it fails.
        Student("inplace_set_entry", "set_entry assigns in place, x[index] = value",
                answers={"set_entry": mistake("in_place_mutation")}, fails=every_check("set_entry"),
                hints=("in_place_mutation",)),
        # A sum is N times the mean: loss and gradient are wrong; hidden jit needs 'loss', so it is not assessed.
        Student("sum_not_mean", "mse_value_and_grad sums the squared errors instead of averaging",
                answers={"mse_value_and_grad": mistake("sum_vs_mean")},
                fails=(Fail("mse_value_and_grad", "visible", "loss"),
                       Fail("mse_value_and_grad", "visible", "gradient"),
                       Fail("mse_value_and_grad", "hidden", "loss"),
                       Fail("mse_value_and_grad", "hidden", "gradient"),
                       Fail("mse_value_and_grad", "hidden", "jit"),
                       # inputs left unchanged earns nothing while no value is right (any stub leaves them)
                       Fail("mse_value_and_grad", "hidden", "inputs_unchanged")),
                hints=("sum_vs_mean",)),
        # `if x > t` on an array raises, so values fail and jit and gradient (which need values) are not assessed.
        Student("python_if", "soft_threshold uses a Python if on the array",
                answers={"soft_threshold": mistake("python_if_on_array")}, fails=every_check("soft_threshold"),
                hints=("python_if_on_array",)),
        # Correct, but every function warns and prints to stderr: the checks capture both, nothing lost.
        Student("noisy_correct", "every exercise solved, with a warning and stderr output at each call",
                answer=noisy),
    ]


def _linear_models() -> list[Student]:
    a = "s1_linear_models_to_ml"
    return [
        *_correct_and_blank(a),
        # One key for W and b of a layer: their draws are shared, and the key-reuse checker sees it, also
        # in train_mlp, which calls the student's init_mlp (mistakes in building blocks carry over).
        Student("lm_shared_key_init", "init_mlp draws W and b of a layer with one key", assignment=a,
                answers={"init_mlp": mistake("shared_draws")},
                fails=fails("init_mlp", "visible/no_shared_draws", "hidden/no_shared_draws", "hidden/no_key_reuse")
                + fails("train_mlp", "visible/no_key_reuse", "hidden/no_key_reuse"),
                hints=("shared_draws", "reused_key")),
        # (n,) - (n, 1) broadcasts to (n, n): value and gradient wrong; jit needs the values; inputs untouched,
        # which earns nothing without a right value. train_mlp trains with the student's mse, so its network
        # misses the validation target too, and its key handling earns nothing without a trained network.
        Student("lm_broadcast_mse", "mse compares every prediction with every target", assignment=a,
                answers={"mse": mistake("broadcast_n1_vs_n")},
                fails=fails("mse", "visible/values", "visible/gradient", "hidden/values", "hidden/gradient",
                            "hidden/jit", "hidden/inputs_unchanged")
                + fails("train_mlp", "visible/validation_loss", "hidden/validation_loss",
                        "visible/deterministic_in_key", "visible/no_key_reuse", "hidden/no_key_reuse",
                        "hidden/deterministic_in_key", "hidden/zero_rate_keeps_start"),
                hints=("broadcast_n1_vs_n", "training_not_converged")),
        # log(0) = -inf for predictions of exactly 0 or 1: the values are not finite; jit needs the values.
        Student("lm_log_of_zero", "binary_cross_entropy without clipping", assignment=a,
                answers={"binary_cross_entropy": mistake("log_of_zero")},
                fails=fails("binary_cross_entropy", "visible/values", "hidden/values", "hidden/jit",
                            "hidden/inputs_unchanged"),
                hints=("log_of_zero",)),
        # normalise's cell dies before its def: normalise is undefined in both test cells.
        Student("lm_crash_normalise", "a NameError above the def of normalise", assignment=a,
                answers={"normalise": crashes_before_def}, fails=every_check("normalise", a),
                hints=("not_defined",)),
    ]


def _gradient_descent() -> list[Student]:
    a = "s1_gradient_descent"
    return [
        *_correct_and_blank(a),
        # Without bias correction the first Adam steps are far too small: every comparison fails.
        Student("gd_adam_no_bias_correction", "adam_step without bias correction", assignment=a,
                answers={"adam_step": mistake("missing_bias_correction")},
                fails=fails("adam_step", "visible/values", "visible/five_steps", "visible/jit", "visible/pytrees",
                            "hidden/values", "hidden/optax", "hidden/jit")
                # fit_bazin fits with the student's adam_step: without bias correction it diverges on a hidden case
                + fails("fit_bazin", "hidden/recovers_parameters"),
                hints=("missing_bias_correction", "not_finite")),
        # Missing delta**2: right only at delta = 1, and the tests use other deltas too.
        Student("gd_missing_delta", "pseudo_huber without the delta**2 factor", assignment=a,
                answers={"pseudo_huber": mistake("pseudo_huber_delta")},
                fails=fails("pseudo_huber", "visible/values", "visible/gradient", "visible/jit",
                            "hidden/values", "hidden/gradient", "hidden/jit"),
                hints=("pseudo_huber_delta",)),
        # trajectory[i] = ... on a JAX array raises: nothing about the trajectory can be checked.
        Student("gd_inplace_trajectory", "gradient_descent records the trajectory in place", assignment=a,
                answers={"gradient_descent": mistake("in_place_mutation")},
                fails=every_check("gradient_descent", a), hints=("in_place_mutation",)),
    ]


def _galaxy_morphology() -> list[Student]:
    a = "s2_galaxy_morphology"
    return [
        *_correct_and_blank(a),
        # The workshop's bug: rows predicted and columns true, so the class names on the axes are swapped.
        # The counts are integers, but that and the renumbering need the values first.
        Student("gm_swapped_confusion", "confusion_matrix with rows and columns swapped", assignment=a,
                answers={"confusion_matrix": mistake("confusion_transposed")},
                fails=every_check("confusion_matrix", a), hints=("confusion_transposed",)),
        # The workshop's other bug: entropy in nats where bits are asked for (a factor ln 2). most_uncertain
        # ranks with the student's binary_entropy: a constant factor keeps the order, so it loses nothing.
        Student("gm_entropy_in_nats", "binary_entropy with the natural log", assignment=a,
                answers={"binary_entropy": mistake("entropy_log_base")},
                fails=every_check("binary_entropy", a), hints=("entropy_log_base",)),
        # A true convolution flips the kernel. cnn_forward runs on the student's conv2d, so its logits are
        # wrong too; train_cnn, judged by the accuracy the student's own network reaches, loses nothing: a
        # network of flipped kernels learns as well.
        Student("gm_flipped_kernel", "conv2d flips the kernel (convolution, not cross-correlation)", assignment=a,
                answers={"conv2d": mistake("kernel_flipped")},
                fails=every_check("conv2d", a) + every_check("cnn_forward", a),
                hints=("kernel_flipped", "wrong_value")),
        # A step on the leftover images of each epoch: trains well, but does not drop the partial batch.
        Student("gm_partial_batch", "train_cnn takes a step on the last, partial batch", assignment=a,
                answers={"train_cnn": mistake("partial_batch_kept")},
                fails=fails("train_cnn", "visible/drops_partial_batch", "hidden/drops_partial_batch"),
                hints=("partial_batch_kept",)),
    ]


def _imbalanced_classes() -> list[Student]:
    a = "s2_imbalanced_classes"
    return [
        *_correct_and_blank(a),
        # The workshop's bug: a seed of 42 set inside and the key never used, so every key gives the same
        # split; it is stratified and a partition, but over many keys the same galaxies are always tested.
        Student("im_seed_never_used", "stratified_split draws with its own seed, not the key", assignment=a,
                answers={"stratified_split": mistake("split_not_random")},
                fails=fails("stratified_split", "visible/shuffled", "hidden/shuffled"),
                hints=("split_not_random",)),
        # The workshop's other bug: entropy in bits (log2), labelled nats; jit needs the values.
        Student("im_entropy_in_bits", "predictive_entropy with log base 2", assignment=a,
                answers={"predictive_entropy": mistake("entropy_log_base")},
                fails=fails("predictive_entropy", "visible/values", "visible/jit", "hidden/values", "hidden/jit"),
                hints=("entropy_log_base",)),
        # The weighted loss ignores its weights: its values and gradient are wrong (the properties after them
        # are not assessed), and train_classifier, which trains with the student's weighted_cross_entropy,
        # finds no more face-on spirals with class weights than without. Unweighted, the public catalogue's
        # balanced accuracy also stays below the target (the hidden one's reaches it), so the visible cell's
        # key checks, without a passing evidence check, earn nothing.
        Student("im_weights_ignored", "weighted_cross_entropy returns the plain mean cross-entropy", assignment=a,
                answers={"weighted_cross_entropy": mistake("weights_ignored")},
                fails=fails("weighted_cross_entropy", "visible/values", "visible/gradient", "hidden/values",
                            "hidden/gradient", "hidden/jit", "hidden/inputs_unchanged",
                            "hidden/weights_scale_free", "hidden/shift_invariant")
                + fails("train_classifier", "visible/balanced_accuracy", "visible/weighting_helps_minority",
                        "visible/deterministic_in_key", "visible/no_key_reuse", "hidden/weighting_helps_minority"),
                hints=("weights_ignored", "weights_not_applied", "training_not_converged")),
        # n / (K n_k) without a guard: right while every class occurs, inf for the hidden input with an absent
        # class; training is unaffected (every class occurs in its catalogues).
        Student("im_absent_class_inf", "class_weights divides by a count of zero", assignment=a,
                answers={"class_weights": mistake("absent_class_weight")},
                fails=fails("class_weights", "hidden/values", "hidden/jit"),
                hints=("absent_class_weight",)),
    ]


def _unsupervised_spectra() -> list[Student]:
    a = "s3_unsupervised_spectra"
    return [
        *_correct_and_blank(a),
        # The workshop's bug: np.convolve(mode="same") pads with zeros, so the edges droop; every check of
        # boxcar_smooth needs the values first, and a flat spectrum does not stay flat.
        Student("us_zero_padded_edges", "boxcar_smooth averages the edges with zeros", assignment=a,
                answers={"boxcar_smooth": mistake("zero_padded_edges")},
                fails=every_check("boxcar_smooth", a), hints=("zero_padded_edges",)),
        # The workshop's other bug: jnp.interp repeats the end fluxes outside the grid instead of NaN. The
        # public input without wavelengths outside passes, the other does not; jit needs the values.
        Student("us_clamped_resample", "resample clamps wavelengths outside the grid", assignment=a,
                answers={"resample": mistake("clamped_wavelengths")},
                fails=every_check("resample", a), hints=("clamped_wavelengths",)),
        # PCA of data that was not centred: the components and variances are wrong (orthonormality and jit
        # need the values); the spectra rebuilt from them are still closer to the noise-free ones than the
        # noisy input (denoises passes), and data rebuilt from more components still fit better.
        Student("us_uncentred_pca", "pca_fit without subtracting the mean", assignment=a,
                answers={"pca_fit": mistake("pca_not_centred")},
                fails=fails("pca_fit", "visible/values", "visible/orthonormal", "hidden/values", "hidden/orthonormal",
                            "hidden/jit"),
                hints=("pca_not_centred",)),
        # Each initial centroid drawn with the same key: k copies of one row, caught by JAX's key-reuse
        # checker. On the public spectra the iterations still reach the reference's clusters (the copies
        # drift apart), so only the key reuse costs there; the hidden cases' clusters are wrong, and the key
        # properties after them earn nothing.
        Student("us_reused_key", "kmeans draws every initial row with the same key", assignment=a,
                answers={"kmeans": mistake("reused_key")},
                fails=fails("kmeans", "visible/no_key_reuse", "hidden/values", "hidden/deterministic_in_key",
                            "hidden/no_key_reuse", "hidden/inputs_unchanged", "hidden/jit"),
                hints=("reused_key",)),
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
    spec = exercises.load(student.assignment, instructor=True)
    deleted = {spec[name].grade_ids[part] for name in student.deleted_tests for part in ("visible", "hidden")}
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if grade_id in deleted:
            continue
        if meta.get("solution") and grade_id in solution_of:
            code = student.answer_for(grade_id)(spec[grade_id], solution_of[grade_id])
            if code is not None:
                cell.source = _strip_markers(code)
        cells.append(cell)
    nb.cells = cells
    return nb


def build(course: Course, students: list[Student] | None = None) -> list[Student]:
    """Write each student's workbook to submitted/<student>/<assignment>/ (replacing only demo students').

    Default: the cohort of the first assignment.
    """
    students = cohort() if students is None else students
    for assignment in dict.fromkeys(s.assignment for s in students):
        release_nb = _read(course.release_notebook(assignment))
        solution_of = solutions(course.source_notebook(assignment))
        missing = [e.name for e in exercises.load(assignment).exercises if e.name not in solution_of]
        if missing:
            raise CourseError(f"{course.source_notebook(assignment)}: no solution cell with grade_id {missing}")
        for student in (s for s in students if s.assignment == assignment):
            path = course.submission(student.id, assignment)
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
    assignment: str = ASSIGNMENT
    hints: tuple[str, ...] = ()            # hint ids its autograded notebook shows, sorted
    expected_hints: tuple[str, ...] = ()   # the student's `hints`, sorted

    @property
    def score_ok(self) -> bool:
        # each test cell records its score rounded to 0.001, so sums may differ by a few thousandths
        return not self.problem and math.isclose(self.score, self.expected, abs_tol=0.02)

    @property
    def hints_ok(self) -> bool:
        return self.hints == self.expected_hints

    @property
    def ok(self) -> bool:
        return self.score_ok and self.hints_ok


def grade(course: Course, students: list[Student], done: Callable[[Autograded], None] = lambda graded: None,
          note: Callable[[str], None] = lambda text: None) -> list[Autograded]:
    """Autograde the demo students' submissions (they are added to the gradebook first); `note`
    gets the runner's lines (see grader.autograde.runner.grade)."""
    from .autograde import autograde
    course.add_students(list(dict.fromkeys(s.id for s in students)))
    outcomes = []
    for assignment in dict.fromkeys(s.assignment for s in students):
        ids = [s.id for s in students if s.assignment == assignment]
        outcomes += autograde(course, assignment, ids, force=True, done=done, note=note)
    return outcomes


def results(course: Course, students: list[Student], outcomes: list[Autograded] = ()) -> list[Result]:
    """Each student's gradebook score next to its expectation; `outcomes` of autograding their assignment."""
    problems = {o.student: o.message for o in outcomes if not o.ok}
    rows = {(r["assignment"], r["student"]): r for r in course.grades()}
    out = []
    for s in students:
        row = rows.get((s.assignment, s.id), {"score": 0.0, "max_score": exercises.load(s.assignment).points})
        out.append(Result(s.id, s.about, float(row["score"]), float(row["max_score"]), s.expected(),
                          problems.get(s.id, ""), s.assignment, shown_hints(course, s), tuple(sorted(s.hints))))
    return out


def shown_hints(course: Course, student: Student) -> tuple[str, ...]:
    """Sorted hint ids the verdicts of the student's autograded notebook show (every graded cell)."""
    path = course.layout.autograded(student.id, student.assignment) / f"{student.assignment}.ipynb"
    if not path.is_file():
        return ()
    found = set()
    for cell in _read(path).cells:
        found.update((verdict_of(cell) or {}).get("hints", []))
    return tuple(sorted(found))


def run(course: Course, progress: Callable[[str], None] = lambda message: None) -> list[Result]:
    """The whole flow for every assignment: release, cohort, autograde, feedback, grades.csv, class reports."""
    cohorts = {}
    for assignment in ASSIGNMENTS:
        progress(f"releasing {assignment}")
        course.release(assignment)
        cohorts[assignment] = build(course, cohort(assignment))
    total = sum(len(c) for c in cohorts.values())
    count = iter(range(1, total + 1))
    outcomes = {}
    for assignment, students in cohorts.items():
        outcomes[assignment] = grade(course, students, lambda graded: progress(
            f"autograded {next(count)} of {total} submissions ({assignment}: {graded.student})"), progress)
        progress(f"writing feedback for {assignment}")
        feedback.write(course, assignment)
    path = gradesheet.write_csv(course)
    progress(f"wrote {path}")
    for assignment in cohorts:
        progress(f"writing the class report for {assignment}")
        classreport.write(course, assignment)
    return [r for a, students in cohorts.items() for r in results(course, students, outcomes[a])]
