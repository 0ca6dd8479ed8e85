"""Unit tests of the check library on small made-up exercises.

Each check runs against a correct implementation (passes) and against one wrong
implementation per kind of mistake (fails with the expected hint id).
"""
from __future__ import annotations

import os
import sys
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from grader import hints
from grader.checks import Score, keys, mutation, purity, trees
from grader.checks.gradients import (grad_of_sum, gradient_matches_finite_differences,
                                     gradient_matches_reference)
from grader.checks.runner import run_part
from grader.checks.values import matches_reference
from grader.exercises.spec import Case, Exercise, Instructor, Key, Part, Snippet

X = np.linspace(-2, 2, 7, dtype=np.float32)


def make_exercise(checks, cases, probes=None, mistakes=(), static_argnums=(), returns=None):
    part = Part(len(checks), tuple(checks))
    public = Exercise(name="f", signature="f(...)", visible=part, hidden=Part(len(checks)), public_cases=cases,
                      probes=probes or {}, static_argnums=static_argnums, returns=returns)
    return public.complete(Instructor(hidden_checks=tuple(checks), hidden_cases=lambda rng: cases,
                                      mistakes=mistakes))


def verdict(exercise, fn, reference=None, part="visible"):
    """Run the part; references and the known mistakes' outputs are made from `reference` (a correct
    implementation) as `grader refs build` makes them."""
    from grader.reference import mistake_outputs, reference_outputs
    refs = mistakes = None
    if reference is not None:
        refs = [reference_outputs(exercise, part, reference, case) for case in exercise.public_cases]
        mistakes = [mistake_outputs(exercise, part, case, ref) for case, ref in zip(exercise.public_cases, refs)]
    return run_part("unit", exercise, part, fn, exercise.public_cases, refs, mistakes=mistakes)


def only_result(v):
    assert len(v.results) == 1
    return v.results[0]


# --- values -------------------------------------------------------------------

def mean_square(y_true, y_pred):
    return jnp.mean((y_true - y_pred) ** 2)


VALUE_CASES = [Case((X, X[::-1] * 0.5), "x")]


def test_values_pass_for_correct_function():
    ex = make_exercise([matches_reference()], VALUE_CASES)
    assert only_result(verdict(ex, mean_square, mean_square)).passed


@pytest.mark.parametrize("wrong,hint", [
    (lambda t, p: jnp.sum((t - p) ** 2), "sum_vs_mean"),
    (lambda t, p: -jnp.mean((t - p) ** 2), "wrong_sign"),
    (lambda t, p: (t - p) ** 2, "wrong_shape"),
    (lambda t, p: jnp.mean(jnp.abs(t - p)), "wrong_value"),
    (lambda t, p: jnp.mean((t - p) ** 2) / 0.0, "not_finite"),
    (lambda t, p: (jnp.mean((t - p) ** 2),), "wrong_structure"),
    (lambda t, p: jnp.mean((t[:, None] - p) ** 2, axis=0), "wrong_shape"),
    (lambda t, p: 0.5 * jnp.mean((t - p) ** 2), "factor_of_two"),
    (lambda t, p: 2 * jnp.mean((t - p) ** 2), "factor_of_two"),
    (lambda t, p: 1.5 * jnp.mean((t - p) ** 2), "wrong_value"),
])
def test_values_fail_with_hint(wrong, hint):
    ex = make_exercise([matches_reference()], VALUE_CASES)
    result = only_result(verdict(ex, wrong, mean_square))
    assert not result.passed and result.hint == hint, result


def test_broadcasting_n1_against_n_is_named():
    def residuals(y_true, y_pred):
        return y_true - y_pred
    cases = [Case((X, X * 2), "x")]
    ex = make_exercise([matches_reference()], cases)
    result = only_result(verdict(ex, lambda t, p: t - p.reshape(-1, 1), residuals))
    assert result.hint == "broadcast_n1_vs_n"


def test_known_mistake_snippet_is_recognised():
    mistake = Snippet("def f(y_true, y_pred):\n    return jnp.mean(jnp.abs(y_true - y_pred))\n", "not_finite")
    ex = make_exercise([matches_reference()], VALUE_CASES, mistakes=[mistake])
    result = only_result(verdict(ex, lambda t, p: jnp.mean(jnp.abs(t - p)), mean_square))
    assert result.hint == "not_finite"  # the snippet's hint wins over the generic 'wrong_value'


def test_value_message_names_leaf_shape_and_error():
    mismatch = trees.compare((jnp.float32(1.0), jnp.array([1.0, 2.5])), (np.float32(1.0), np.array([1.0, 2.0])))
    assert mismatch.hint == "wrong_value"
    assert "leaf [1]" in mismatch.message and "float32[2]" in mismatch.message and "0.5" in mismatch.message


def test_lists_and_tuples_are_interchangeable():
    assert trees.close([1.0, jnp.ones(2)], (1.0, np.ones(2)))


def test_float64_answer_accepted_against_float32_reference():
    assert trees.close(np.float64(1.0) / 3, np.float32(1.0) / np.float32(3))


def test_integer_answer_rejected_where_float_expected():
    assert trees.compare(np.array([1, 2]), np.array([1.0, 2.0])).hint == "wrong_dtype"


def test_tolerance_is_float32_sized():
    assert trees.close(np.float32(1.0 + 1e-6), np.float32(1.0))
    assert not trees.close(np.float32(1.0 + 1e-3), np.float32(1.0))


# --- gradients ----------------------------------------------------------------

def softplus(x):
    return jnp.log1p(jnp.exp(x))


def test_gradient_check():
    ex = make_exercise([gradient_matches_reference()], [Case((X,), "x")], probes={"gradient": grad_of_sum(0)})
    assert only_result(verdict(ex, softplus, softplus)).passed
    # same values at x = 0 would not catch this; the gradient differs everywhere
    wrong = only_result(verdict(ex, lambda x: jnp.log1p(jnp.exp(x)) + 0.1 * jnp.sin(x), softplus))
    assert wrong.hint == "wrong_gradient"
    numpy_version = only_result(verdict(ex, lambda x: np.log1p(np.exp(x)), softplus))
    assert numpy_version.hint == "numpy_inside_jit"


@pytest.mark.parametrize("wrong", [
    lambda x: jax.lax.stop_gradient(softplus(x)),
    lambda x: softplus(jax.lax.stop_gradient(x)) + 0.0 * x,
])
def test_finite_differences_without_reference(wrong):
    ex = make_exercise([gradient_matches_finite_differences()], [Case((X,), "x")])
    assert only_result(verdict(ex, softplus)).passed
    result = only_result(verdict(ex, wrong))
    assert not result.passed and result.hint == "wrong_gradient"


# --- PRNG keys ----------------------------------------------------------------

KEY_CASES = [Case((Key(3), (4000,)), "key")]


def two_draws(key, shape):
    """The declared form of the key tests' results: two float32 arrays of `shape` (an int n: (n,))."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return (jax.ShapeDtypeStruct(shape, np.float32),) * 2


def good_draw(key, shape):
    k1, k2 = jax.random.split(key)
    return jax.random.normal(k1, shape), jax.random.normal(k2, shape)


@pytest.mark.parametrize("check,wrong,hint", [
    (keys.no_key_reuse(), lambda k, s: (jax.random.normal(k, s), jax.random.normal(jax.random.split(k)[0], s)),
     "reused_key"),
    (keys.same_key_same_result(), lambda k, s: (np.random.normal(size=s), np.random.normal(size=s)),
     "global_random_state"),
    (keys.key_changes_result(0), lambda k, s: good_draw(jax.random.key(0), s), "hardcoded_key"),
    (keys.independent_draws(), lambda k, s: (jax.random.normal(k, s),) * 2, "identical_draws"),
    (keys.independent_draws(), lambda k, s: (jax.random.normal(k, s), 0.5 * jax.random.normal(k, s)),
     "correlated_draws"),
    (keys.standard_normal(lambda out, args: list(out)),
     lambda k, s: tuple(jax.random.uniform(kk, s, minval=-1.7320508, maxval=1.7320508) for kk in jax.random.split(k)),
     "wrong_distribution"),  # uniform with mean 0 and std 1: only the kurtosis tells it apart
])
def test_key_checks(check, wrong, hint):
    ex = make_exercise([check], KEY_CASES, static_argnums=(1,), returns=two_draws)
    assert only_result(verdict(ex, good_draw)).passed
    result = only_result(verdict(ex, wrong))
    assert not result.passed and result.hint == hint, result


def test_draw_with_the_key_then_with_a_key_made_from_it_is_caught():
    """JAX's key-reuse checker misses normal(key) beside normal(fold_in(key, 1)); the behavioural check
    does not, and leaves one draw unpacked, identical or correlated draws (other checks' business) alone."""
    check = keys.no_draw_with_parent_key()
    ex = make_exercise([check, keys.independent_draws()], [Case((Key(3), (40, 50)), "key")], static_argnums=(1,),
                       returns=two_draws)

    def fold_after_draw(key, shape):
        return jax.random.normal(key, shape), jax.random.normal(jax.random.fold_in(key, 1), shape)

    def split_after_draw(key, shape):
        return jax.random.normal(key, shape), jax.random.normal(jax.random.split(key)[1], shape)

    def one_draw(key, shape):
        both = jax.random.normal(key, (2,) + shape)
        return both[1], both[0]

    def folds(key, shape):
        return tuple(jax.random.normal(jax.random.fold_in(key, i), shape) for i in (0, 1))
    for right in (good_draw, one_draw, folds):
        assert verdict(ex, right).results[0].passed, right
    for wrong in (fold_after_draw, split_after_draw):
        first = verdict(ex, wrong).results[0]
        assert not first.passed and first.hint == "reused_key" and "used twice" in first.message
    with jax.debug_key_reuse(True):
        fold_after_draw(jax.random.key(0), (3,))     # what JAX's checker lets through
    identical = lambda k, s: (jax.random.normal(k, s),) * 2  # noqa: E731
    negated = lambda k, s: (jax.random.normal(k, s), -jax.random.normal(k, s))  # noqa: E731
    alone = make_exercise([check], ex.public_cases, static_argnums=(1,), returns=two_draws)
    assert only_result(verdict(alone, identical)).passed and only_result(verdict(alone, negated)).passed
    assert verdict(ex, identical).results[1].hint == "identical_draws"        # left to independent_draws
    assert verdict(ex, negated).results[1].hint == "correlated_draws"


def test_constant_array_is_not_a_draw():
    check = keys.standard_normal(lambda out, args: {"the biases": out[1]}, hint="init_scale",
                                 constant_hint="params_not_drawn", min_size=20)
    ex = make_exercise([check], [Case((Key(2), 30), "key")], returns=two_draws)
    drawn = lambda k, n: tuple(jax.random.normal(kk, (n,)) for kk in jax.random.split(k))  # noqa: E731
    assert only_result(verdict(ex, drawn)).passed
    zeros = only_result(verdict(ex, lambda k, n: (jax.random.normal(k, (n,)), jnp.zeros(n))))
    assert zeros.hint == "params_not_drawn" and "the biases: all 30 values are 0" in zeros.message
    scaled = only_result(verdict(ex, lambda k, n: (jnp.zeros(n), 10 * jax.random.normal(k, (n,)))))
    assert scaled.hint == "init_scale" and "the biases: " in scaled.message


def test_fold_in_twice_with_the_same_number_is_caught_behaviourally():
    # JAX's key-reuse checker does not flag this; the independence check does.
    def fold_twice(key, shape):
        return jax.random.normal(jax.random.fold_in(key, 7), shape), jax.random.normal(jax.random.fold_in(key, 7), shape)
    ex = make_exercise([keys.no_key_reuse(), keys.independent_draws()], KEY_CASES, returns=two_draws)
    v = verdict(ex, fold_twice)
    assert not v.results[1].passed and v.results[1].hint == "identical_draws"
    # the reuse checker found nothing (its pass is then not assessed: the only evidence check failed)
    assert v.results[0].hint is None and not v.results[0].assessed


# --- mutation -----------------------------------------------------------------

def test_readonly_numpy_inputs_catch_in_place_changes():
    def centre_in_place(x):
        x -= x.mean()
        return x

    def assign_in_place(x):
        x[0] = 0.0
        return x
    ex = make_exercise([mutation.inputs_unchanged(readonly_numpy=True)], [Case((X.copy(),), "x")])
    assert only_result(verdict(ex, lambda x: x - x.mean())).passed
    result = only_result(verdict(ex, centre_in_place))
    assert result.hint == "in_place_operator"      # its fix is x = x - m, not x.at[i].set(v)
    assert only_result(verdict(ex, assign_in_place)).hint == "in_place_mutation"


def test_list_argument_modified_is_caught():
    def append_param(params):
        params.append(jnp.zeros(1))
        return params
    ex = make_exercise([mutation.inputs_unchanged()], [Case(([X, X],), "params")])
    assert only_result(verdict(ex, lambda p: [q * 2 for q in p])).passed
    assert only_result(verdict(ex, append_param)).hint == "input_modified"


def test_dict_params_are_passed_read_only():
    def step_in_place(params):
        params["w"] = params["w"] - 0.1
        return params
    ex = make_exercise([mutation.inputs_unchanged(readonly_numpy=True)], [Case(({"w": X, "b": X[:2]},), "params")])
    assert only_result(verdict(ex, lambda p: jax.tree_util.tree_map(lambda q: q - 0.1, p))).passed
    assert only_result(verdict(ex, step_in_place)).hint == "in_place_mutation"


def test_jax_item_assignment_is_explained():
    def assign(x):
        x[0] = 1.0
        return x
    ex = make_exercise([mutation.inputs_unchanged()], [Case((X,), "x")])
    result = only_result(verdict(ex, assign))
    assert result.hint == "in_place_mutation" and "x[0] = 1.0" in result.message


def test_a_prng_key_argument_is_compared_as_its_data():
    """A typed key among the arguments (k-means takes one) is snapshot as its key data, not a grader error."""
    ex = make_exercise([mutation.inputs_unchanged()], [Case((Key(3), X), "key and x")])
    result = only_result(verdict(ex, lambda key, x: x + jax.random.normal(key, x.shape)))
    assert result.passed and not result.message, result.message


def test_rebuilding_by_type_is_named():
    ex = make_exercise([mutation.inputs_unchanged()], [Case((X, X, 0.1), "params")])
    result = only_result(verdict(ex, lambda p, g, lr: type(p)(a - lr * b for a, b in zip(p, g))))
    assert result.hint == "rebuilt_by_type"
    assert "incompatible function arguments." in result.message and "supported:" not in result.message


@pytest.mark.parametrize("message,shown", [
    ("(): incompatible function arguments. The following argument types are supported:\n    1. (self)",
     "(): incompatible function arguments."),
    ("output array is read-only", "output array is read-only"),
    ("A first sentence. " + "word " * 60, "A first sentence."),
    ("word " * 60, ("word " * 39).strip() + "..."),
])
def test_error_message_is_never_cut_mid_sentence(message, shown):
    from grader.checks.errors import first_sentence
    assert first_sentence(message) == shown


# --- purity -------------------------------------------------------------------

LEAKED = []


@pytest.mark.parametrize("wrong,hint", [
    (lambda x: np.sin(x), "numpy_inside_jit"),
    (lambda x: x if x.sum() > 0 else -x, "python_if_on_array"),
    (lambda x: (LEAKED.append(x), jnp.sin(x))[1], "tracer_leak"),
    (lambda x: jnp.sin(x) + np.random.normal(), "jit_mismatch"),
    (lambda x: float(jnp.sum(x)), "float_on_tracer"),
    (lambda x: jnp.sin(x) * jnp.sum(x).item(), "float_on_tracer"),
])
def test_jit_check(wrong, hint):
    ex = make_exercise([purity.jit_matches_eager()], [Case((X,), "x")])
    assert only_result(verdict(ex, jnp.sin)).passed
    result = only_result(verdict(ex, wrong))
    assert not result.passed and result.hint == hint, result


# --- results, points and output -------------------------------------------------

def test_partial_credit_and_requires():
    ex = make_exercise([matches_reference(weight=3), purity.jit_matches_eager(requires=("values",))],
                       VALUE_CASES)
    not_jittable = verdict(ex, lambda t, p: np.mean((np.asarray(t) - np.asarray(p)) ** 2), mean_square)
    assert not_jittable.score == pytest.approx(2 * 3 / 4)  # Part(2 points), weights 3:1
    wrong = verdict(ex, lambda t, p: jnp.sum(t), mean_square)
    assert wrong.score == 0 and not wrong.results[1].assessed


def test_score_displays_as_a_number_nbgrader_can_read():
    assert repr(Score(1.5)) == "1.5" and float(repr(Score(2.0))) == 2.0


def test_checks_never_write_to_stderr(capfd):
    def noisy(y_true, y_pred):
        print("debug", file=sys.stderr)
        warnings.warn("something odd", RuntimeWarning)
        os.write(2, b"raw C-level message\n")
        return jnp.mean((y_true - y_pred) ** 2)
    ex = make_exercise([matches_reference()], VALUE_CASES)
    v = verdict(ex, noisy, mean_square)
    out, err = capfd.readouterr()
    assert v.score == v.max_points and err == ""
    assert any("RuntimeWarning" in n for n in v.notes)


def test_student_error_shows_student_line_not_library_frames():
    def broken(y_true, y_pred):
        scale = {"a": 1}["b"]
        return scale
    ex = make_exercise([matches_reference()], VALUE_CASES)
    result = only_result(verdict(ex, broken, mean_square))
    assert result.hint == "student_exception"
    assert "KeyError" in result.message and 'scale = {"a": 1}["b"]' in result.message
    assert "grader/checks" not in result.message and "site-packages" not in result.message


def test_missing_hidden_data_is_reported_not_raised(monkeypatch, tmp_path):
    from grader import checks, material, reference
    monkeypatch.setattr(material, "hidden_data_dir", lambda assignment: tmp_path / assignment)
    reference.load_data.cache_clear()
    try:
        v = checks.grade("s1_jax_fundamentals", "record", "hidden", fn=lambda h, s, v: h)
    finally:
        reference.load_data.cache_clear()
    assert v.score == 0 and "missing" in v.results[0].message


def test_every_hint_used_by_a_corpus_exists():
    from grader import exercises
    for name in exercises.names():
        for exercise in exercises.load(name, instructor=True).exercises:
            for snippet in exercise.mistakes:
                hints.get(snippet.hint)


def test_a_check_that_raises_is_the_graders_fault_and_is_recorded():
    """A bug in a check is neither swallowed nor blamed on the student: the check scores 0 with the
    grader_error hint, the verdict carries the error (its JSON goes into the autograded notebook), and
    the process's list of grader faults, which fails the test suite, has it with its traceback."""
    from grader.checks import runner
    from grader.exercises.spec import Check

    def broken(ctx):
        raise ZeroDivisionError("a bug in the check")
    ex = make_exercise([Check("broken", "a check with a bug", broken), matches_reference()], VALUE_CASES)
    before = len(runner.GRADER_ERRORS)
    v = verdict(ex, mean_square, mean_square)
    recorded = runner.GRADER_ERRORS[before:]
    del runner.GRADER_ERRORS[before:]
    first = v.results[0]
    assert not first.passed and first.hint == "grader_error" and "fault of the grader" in first.message
    assert v.results[1].passed                     # the other checks still run
    assert v.grader_errors == ["unit/f (visible tests), check broken: ZeroDivisionError: a bug in the check"]
    assert v.to_dict()["grader_errors"] == v.grader_errors
    assert len(recorded) == 1 and "Traceback" in recorded[0] and "a bug in the check" in recorded[0]


def test_properties_earn_nothing_without_evidence():
    """inputs_unchanged passes for a constant; without a passing value check it earns nothing."""
    ex = make_exercise([matches_reference(), mutation.inputs_unchanged()], VALUE_CASES)
    right = verdict(ex, mean_square, mean_square)
    assert right.score == right.max_points
    constant = verdict(ex, lambda t, p: jnp.float32(0.0), mean_square)
    assert constant.score == 0
    assert not constant.results[1].assessed and "not assessed" in constant.results[1].message


def test_syntax_error_in_the_functions_cell_is_shown(monkeypatch):
    """A cell that does not compile never runs: say so, with its line, rather than 'not defined'."""
    import json

    from grader import checks
    from grader.judge import kernel_side, wire
    broken = "def record(history, step, value):\n    return history.at[step].set(value\n"
    fixed_elsewhere = "x = 1\n"
    history = ["", "def record(history, step, value):\n    return history\n", broken, fixed_elsewhere]
    v = checks.grade("s1_jax_fundamentals", "record", "visible", namespace={"_ih": history})
    assert v.score == 0 and v.hint_ids == ["syntax_error"]
    assert "SyntaxError" in v.results[0].message and "line 2" in v.results[0].message
    # a cell that compiles (it raised before the def, say) is still 'not defined'
    v = checks.grade("s1_jax_fundamentals", "record", "visible", namespace={"_ih": history[:2]})
    assert v.hint_ids == ["not_defined"]
    # the kernel's side of the judge says the same
    monkeypatch.setattr(kernel_side, "_user_namespace", lambda: {"_ih": history})
    found = json.loads(wire.read_reply(repr(kernel_side.lookup("record"))))   # as the judge's channel reads it
    assert found["kind"] == "missing" and found["syntax_error"].startswith("SyntaxError")
