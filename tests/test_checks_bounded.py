"""A hostile student against the checks themselves (issue 17): oversized results, low precision, known keys.

- Results are checked for form (structure, shape, dtype, precision) before anything is computed on them,
  so a reply of the wrong shape fails at once and costs the grading process no more than its own size.
- Tolerances come from the reference, never from the dtype returned: float16 does not buy float16's
  tolerance, it fails with the `low_precision` hint.
- The keys the behavioural checks choose are drawn from the hidden seed where the instructor's material
  is (grading), so a function special-casing the public seeds gains nothing.

Checks are called as grading calls them: `checks.grade(...)` with the student's function (the fast path),
or with a stand-in for the judge's `Remote` that runs the calls here and records their arguments.
"""
from __future__ import annotations

import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader import checks, exercises, hints, material, reference
from grader.checks import keys, trees
from grader.checks.context import Context, materialize
from grader.checks.gradients import gradient_matches_finite_differences
from grader.checks.runner import run_part
from grader.exercises.spec import Case, Exercise, Key, Part

from attacks import FLOAT16_ANSWERS

PARTS = ("visible", "hidden")
ALL = [(a, e.name) for a in exercises.names() for e in exercises.load(a).exercises]

# Bound on the memory traced while grading one test cell (numpy reports its array buffers to tracemalloc; the
# allocation that killed the grading worker was numpy's float64 broadcasting of a result against the inputs).
# Where it comes from: grading every exercise's reference solution peaks at about 40 MB traced (measured for
# each test cell; the most is mlp_forward's hidden cell, compilation under jax.jit included), while a product
# of sizes is far larger: a (40000, 1) reply against x of 20,000 points broadcasts to 40000 x 20000 float64,
# 6.4 GB per temporary, and even a (2000, 1) reply makes 320 MB temporaries (611 MB traced before the fix).
PEAK_BYTES = 200 * 2**20

SHAPE_HINTS = {"wrong_shape", "wrong_structure", "broadcast_n1_vs_n"}


def traced_peak(run):
    """(run(), the peak of traced memory in bytes while it ran)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        done = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return done, peak


# --- A. results checked for form before anything is computed on them ------------------------------------

@pytest.mark.parametrize("rows", [2000, 40000])
def test_an_oversized_noisy_line_fails_on_its_shape_with_little_memory(rows):
    """The reply of issue 17: x has 20,000 points and the function returns (rows, 1) zeros. The noise check
    used to compute (y - (m x + b)) / sigma with it, broadcasting to rows x 20000 in float64."""
    reply = jnp.zeros((rows, 1), jnp.float32)
    verdict, peak = traced_peak(lambda: checks.grade("s1_jax_fundamentals", "noisy_line", "visible",
                                                     fn=lambda key, x, m, b, sigma: reply))
    noise = next(r for r in verdict.results if r.name == "noise")
    assert not noise.passed and noise.hint == "wrong_shape", noise
    assert f"shape ({rows}, 1), expected (20000,)" in noise.message
    assert verdict.score == 0
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB traced while grading"


def _oversized_like(assignment: str, name: str, solution_namespace):
    """The exercise's result on its first public case (its declared form, or the reference solution's
    output) with every leaf replaced by a float32 (20000, 1) array: a shape that broadcasts against any
    (20000,) operand to 20000 x 20000."""
    exercise = exercises.load(assignment)[name]
    cases, _, _ = reference.cases_and_references(assignment, name, "visible")
    args = materialize(cases[0].args, exercise.functions)
    if exercise.returns is not None:
        like = exercise.returns(*args)
    else:
        like = solution_namespace(assignment)[name](*args)
    column = jnp.zeros((20000, 1), jnp.float32)
    return jax.tree_util.tree_map(lambda leaf: column, like)


def _names_the_reply(message: str) -> bool:
    return "(20000, 1)" in message or "[20000,1]" in message or message == "(the same error as above)"


@pytest.mark.parametrize("assignment,name", ALL)
def test_every_graded_function_returning_oversized_arrays_fails_on_shape(assignment, name, solution_namespace):
    """Every check that judges the function's results (evidence) fails on the reply's shape, naming it, or
    is not assessed; properties (same key same result, ...) may pass or fail on their own terms."""
    reply = _oversized_like(assignment, name, solution_namespace)
    namespace = {**solution_namespace(assignment), name: lambda *args: reply}
    spec = exercises.load(assignment, instructor=True)[name]
    for part in PARTS:
        verdict, peak = traced_peak(lambda: checks.grade(assignment, name, part, fn=namespace[name],
                                                         namespace=namespace))
        assert verdict.score == 0, verdict.render()
        for check, result in zip(spec.part(part).checks, verdict.results):
            if not check.evidence or not result.assessed:
                continue
            assert not result.passed and result.hint in SHAPE_HINTS, verdict.render()
            assert _names_the_reply(result.message), verdict.render()
        assert peak < PEAK_BYTES, f"{part}: {peak / 2**20:.0f} MB traced while grading"


class LocalRemote:
    """A stand-in for the judge's Remote (grader.judge.remote): runs every call here, except that the
    gradient probe's reply is replaced by `gradient`, as a kernel that patched its grader could send."""

    def __init__(self, fn, gradient=None):
        self.student, self.gradient = fn, gradient
        self.printed, self.warnings, self.calls = False, [], []

    def lookup(self):
        return "function", "function", ""

    def student_function(self, name):
        raise KeyError(name)

    def call(self, fn, args, doing="", keep_inputs=False):
        self.calls.append(args)
        if self.gradient is not None and doing == "under jax.grad":
            return self.gradient, args
        return None                      # run here, as a call that does not involve the kernel


def test_a_gradient_of_the_wrong_shape_fails_before_finite_differences_are_compared():
    """gradient_matches_finite_differences used to subtract jax.grad's reply from the central differences
    before comparing shapes: (n, 1) against (n,) is n x n float64 (8000: 512 MB)."""
    x = np.linspace(-2, 2, 8000, dtype=np.float32)
    check = gradient_matches_finite_differences()
    exercise = Exercise(name="f", signature="f(x)", visible=Part(1, (check,)), hidden=Part(1),
                        public_cases=[Case((x,), "x")])
    fn = lambda x: jnp.sum(jnp.sin(x))  # noqa: E731
    kernel = LocalRemote(fn, gradient=np.zeros((8000, 1), np.float32))
    verdict, peak = traced_peak(lambda: run_part("unit", exercise, "visible", fn, exercise.public_cases, [{}],
                                                 remote=kernel))
    (result,) = verdict.results
    assert not result.passed and result.hint == "wrong_shape" and "(8000, 1)" in result.message, result
    assert peak < PEAK_BYTES, f"{peak / 2**20:.0f} MB traced"
    assert len(kernel.calls) == 1        # no finite differences were computed for a gradient of the wrong shape


# --- B. the tolerance comes from the reference ----------------------------------------------------------

def _float16_answers() -> dict:
    """The attack corpus's float16 answers (tests/attacks.py), as functions: directional_derivative is the
    known mistake 'a one-sided finite difference' and mse_value_and_grad takes its gradient by central
    differences, each result cast to float16."""
    namespace: dict = {}
    exec(FLOAT16_ANSWERS, namespace)  # noqa: S102 (the test corpus's own code)
    return namespace


FLOAT16 = _float16_answers()
one_sided_difference = FLOAT16["directional_derivative"]
finite_difference_gradient = FLOAT16["mse_value_and_grad"]


@pytest.mark.parametrize("name,fn", [("directional_derivative", one_sided_difference),
                                     ("mse_value_and_grad", finite_difference_gradient)])
def test_float16_does_not_buy_a_wider_tolerance(name, fn):
    """Both earned full marks (3 and 4 points) when float16 results were compared at float16's tolerance."""
    for part in PARTS:
        verdict = checks.grade("s1_jax_fundamentals", name, part, fn=fn)
        assert verdict.score == 0, verdict.render()
        assert verdict.hint_ids[0] == "low_precision", verdict.render()
        assert "float16" in verdict.results[0].message


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_a_low_precision_result_fails_even_when_its_values_are_right(dtype):
    expected = np.linspace(0, 1, 5, dtype=np.float32)
    mismatch = trees.compare(jnp.asarray(expected, dtype), expected)
    assert mismatch.hint == "low_precision" and "float32" in mismatch.message
    hint = hints.get("low_precision")
    assert "float32" in hint.fix and "float16" in hint.fix


def test_the_tolerance_depends_on_the_reference_only():
    expected = np.float32(1.0)
    assert trees.tolerance(np.asarray(expected)) == trees.TOLERANCES[np.dtype(np.float32)]
    assert trees.close(np.float64(1.0 + 1e-6), expected)             # more precision than needed: fine
    assert not trees.close(np.float64(1.0 + 1e-4), expected)         # at float32's tolerance, not float64's
    assert trees.close(np.float32(1.0 + 1e-6), np.float64(1.0))      # a float64 reference (Python floats in
    assert not trees.close(np.float32(1.0 + 1e-4), np.float64(1.0))  # the inputs) is compared at float32's
    assert trees.compare(np.array([1, 2]), np.array([1.0, 2.0])).hint == "wrong_dtype"


# --- C. behavioural keys from the hidden seed -----------------------------------------------------------

PUBLIC_SEEDS = {0, 11, 12, 13, 21, 22, *range(1000, 1060)}   # the case's key and the seeds in grader/checks


def seed_of(key) -> int:
    return int(np.asarray(jax.random.key_data(key))[-1])


def special_cased_sample_batch(key, x, y, batch_size):
    """Samples at random for the public seeds, else always the first batch_size samples."""
    if seed_of(key) in PUBLIC_SEEDS:
        idx = jax.random.choice(key, x.shape[0], (batch_size,), replace=False)
    else:
        idx = jnp.arange(batch_size)
    return x[idx], y[idx]


def special_cased_noisy_line(key, x, m, b, sigma):
    """Draws with the key for the public seeds and the hidden cases' keys, else with key 0."""
    known = PUBLIC_SEEDS | {c.args[0].seed for c in reference.cases_and_references(
        "s1_jax_fundamentals", "noisy_line", "hidden")[0]}
    return m * x + b + sigma * jax.random.normal(key if seed_of(key) in known else jax.random.key(0), x.shape)


@pytest.fixture
def student_install(monkeypatch, tmp_path):
    """No instructor material: hidden data is not found (as on a student's install)."""
    monkeypatch.setattr(material, "hidden_data_dir", lambda assignment: tmp_path / assignment)
    reference.load_data.cache_clear()
    yield
    reference.load_data.cache_clear()


def result_of(verdict, name):
    return next(r for r in verdict.results if r.name == name)


@pytest.mark.parametrize("assignment,name,fn,checks_caught", [
    ("s1_linear_models_to_ml", "sample_batch", special_cased_sample_batch,
     {"key_changes_result": "hardcoded_key", "every_sample_drawn": "batch_misses_samples"}),
    ("s1_jax_fundamentals", "noisy_line", special_cased_noisy_line, {"key_changes_result": "hardcoded_key"}),
])
def test_special_casing_the_public_seeds_fails_when_grading(assignment, name, fn, checks_caught):
    for part in PARTS:
        verdict = checks.grade(assignment, name, part, fn=fn)
        for check, hint in checks_caught.items():
            result = result_of(verdict, check)
            assert not result.passed and result.hint == hint, verdict.render()


def test_special_casing_the_public_seeds_still_fools_a_students_self_check(student_install):
    """What the test above guards against: with public keys, the special-cased function passes."""
    verdict = checks.grade("s1_linear_models_to_ml", "sample_batch", "visible", fn=special_cased_sample_batch)
    assert verdict.score == verdict.max_points, verdict.render()


def test_deterministic_in_key_draws_its_keys_from_the_hidden_seed():
    def special_cased_training(key, x):
        return jax.random.normal(key) if seed_of(key) in PUBLIC_SEEDS else jnp.float32(1.0)
    check = keys.deterministic_in_key(key_argnum=0)
    exercise = Exercise(name="f", signature="f(key, x)", visible=Part(1, (check,)), hidden=Part(1))
    cases = [Case((Key(0), np.float32(1.0)), "key")]
    fooled = run_part("unit", exercise, "visible", special_cased_training, cases, [{}], hidden_seed=None)
    assert fooled.results[0].passed
    graded = run_part("unit", exercise, "visible", special_cased_training, cases, [{}], hidden_seed=12345)
    assert graded.results[0].hint == "hardcoded_key", graded.render()


def test_key_seeds_come_from_the_hidden_seed_and_keep_equal_seeds_equal():
    exercise = exercises.load("s1_jax_fundamentals")["noisy_line"]
    public = (21, 21, 22)
    assert Context(exercise, None, [], None, hidden=False).key_seeds("p", public) == list(public)
    seeds = Context(exercise, None, [], None, hidden=False, hidden_seed=7).key_seeds("p", public)
    assert seeds[0] == seeds[1] != seeds[2] and not set(seeds) & PUBLIC_SEEDS
    assert seeds == Context(exercise, None, [], None, hidden=False, hidden_seed=7).key_seeds("p", public)
    assert seeds != Context(exercise, None, [], None, hidden=False, hidden_seed=8).key_seeds("p", public)
    assert seeds != Context(exercise, None, [], None, hidden=False, hidden_seed=7).key_seeds("q", public)


def test_the_grading_process_draws_the_keys_and_sends_them_as_arguments():
    """Judged grading (a Remote): the keys the kernel receives are the hidden seed's, not the public ones."""
    def right(key, x, m, b, sigma):
        return m * x + b + sigma * jax.random.normal(key, x.shape)
    spec = exercises.load("s1_jax_fundamentals")["noisy_line"]
    kernel = LocalRemote(right)
    verdict = checks.grade("s1_jax_fundamentals", "noisy_line", "visible", remote=kernel)
    assert verdict.score == verdict.max_points, verdict.render()
    sent = {seed_of(args[0]) for args in kernel.calls if args and trees.is_key_array(args[0])}
    seed = reference.hidden_seed("s1_jax_fundamentals")
    assert seed is not None and seed == reference.stored_seed("s1_jax_fundamentals")
    drawn = Context(spec, None, [], None, hidden=False, hidden_seed=seed).key_seeds("key_changes_result",
                                                                                     (11, 12, 13))
    assert set(drawn) <= sent and not {11, 12, 13} & sent


def test_without_instructor_material_the_public_seeds_are_used(student_install):
    assert reference.hidden_seed("s1_jax_fundamentals") is None
    kernel = LocalRemote(lambda key, x, m, b, sigma: m * x + b + sigma * jax.random.normal(key, x.shape))
    checks.grade("s1_jax_fundamentals", "noisy_line", "visible", remote=kernel)
    sent = {seed_of(args[0]) for args in kernel.calls if args and trees.is_key_array(args[0])}
    assert {11, 12, 13} <= sent
